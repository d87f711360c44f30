import { hasTemplate } from '../../core/templates.js';
import { isMap } from '../yaml-tree.js';
import { closest } from '../../core/suggest.js';
import { SECRET_PROVIDERS } from '../knowledge.js';
import { nodeSpan, pairOf, scalarString, type KeychainEntry } from '../playbook.js';
import type { Rule, Span } from '../types.js';

function missing(entry: KeychainEntry, keys: string[]): boolean {
  return keys.every((k) => pairOf(entry.node, k)?.value == null);
}

export const keychainRequiredFields: Rule = {
  id: 'keychain-required-fields',
  defaultSeverity: 'error',
  summary: 'A keychain entry has the fields its kind needs',
  docs: `Each kind needs certain fields:

- \`oauth2\`, \`http\`: \`endpoint\` (the token or initialisation URL).
- \`secret_manager\` / \`secrets\`: \`provider\` (one of ${SECRET_PROVIDERS.join(', ')}) and a non-empty \`map\`
  of output field → secret path.
- \`credential\`: \`credential\` (the name of a stored credential).
- \`bearer\`: \`token\`.
- \`static\`: \`map\` (or \`value\`).
- \`google_id_token\`: \`target_audience\`, and \`service_account_secret\` (with \`auth\`) or
  \`service_account_credential\`.

    - name: openai_token
      kind: secrets
      provider: gcp
      auth: "{{ workload.gcp_auth }}"
      map:
        api_key: "{{ workload.openai_secret_path }}"`,
  check({ playbook, report }) {
    for (const entry of playbook.keychain) {
      const at: Span = nodeSpan(pairOf(entry.node, 'kind')?.value ?? entry.nameNode ?? entry.node);
      const label = `keychain entry '${entry.name ?? `#${entry.index + 1}`}'`;
      const need = (keys: string[], what: string) => {
        if (missing(entry, keys)) report(at, `${label} of kind ${entry.kind} needs ${what}`);
      };
      switch (entry.kind) {
        case 'oauth2':
        case 'http':
          need(['endpoint'], '`endpoint` (the URL to call)');
          break;
        case 'secret_manager':
        case 'secrets': {
          const provider = pairOf(entry.node, 'provider');
          if (provider?.value == null) report(at, `${label} of kind ${entry.kind} needs \`provider\` (one of ${SECRET_PROVIDERS.join(', ')})`);
          else {
            const value = scalarString(provider.value);
            if (value !== undefined && !hasTemplate(value) && !(SECRET_PROVIDERS as readonly string[]).includes(value)) {
              const s = closest(value, SECRET_PROVIDERS);
              report(nodeSpan(provider.value), `unknown secret provider '${value}'${s ? `; did you mean '${s}'?` : ''} (one of ${SECRET_PROVIDERS.join(', ')})`);
            }
          }
          const map = pairOf(entry.node, 'map');
          if (map?.value == null) report(at, `${label} of kind ${entry.kind} needs \`map\` (output field → secret path)`);
          else if (!isMap(map.value) || map.value.items.length === 0) report(nodeSpan(map.value), `\`map\` of ${label} must be a non-empty mapping of output field → secret path`);
          break;
        }
        case 'credential':
          need(['credential'], '`credential` (the name of a stored credential)');
          break;
        case 'bearer':
          need(['token'], '`token`');
          break;
        case 'static':
          need(['map', 'value'], '`map` (or `value`)');
          break;
        case 'google_id_token':
          need(['target_audience'], '`target_audience`');
          need(['service_account_secret', 'service_account_credential'], '`service_account_secret` or `service_account_credential`');
          if (!missing(entry, ['service_account_secret']) && missing(entry, ['auth'])) {
            report(at, `${label} reads \`service_account_secret\` from a secret manager and needs \`auth\` to reach it`);
          }
          break;
      }
    }
  },
};
