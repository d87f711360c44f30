import { isScalar } from '../yaml-tree.js';
import { findKeychainKind, RENEWABLE_KINDS, type Renewal } from '../../core/keychain-kinds/index.js';
import { nodeSpan, pairOf } from '../playbook.js';
import type { Rule } from '../types.js';

const renewable = RENEWABLE_KINDS.map((k) => k.id);
const byRenewal = (how: Renewal) => RENEWABLE_KINDS.filter((k) => k.renewal === how).map((k) => k.id).join(', ');

export const keychainAutoRenew: Rule = {
  id: 'keychain-auto-renew',
  defaultSeverity: 'warning',
  summary: 'auto_renew is a boolean, set only where the runtime can renew',
  docs: `With \`auto_renew: true\` the runtime gets a fresh value before the cached one expires. Only
kinds that obtain a token can be renewed: ${byRenewal('renew_config')} (the request is stored as the entry's
renew_config and sent again when the entry is due) and ${byRenewal('mint')} (\`keychain resolve\` mints a
new one a refresh margin before the current one expires). On other kinds (a static map, a stored
credential, a secret read from a secret manager) the flag does nothing and suggests a renewal that
never happens. \`auto_renew\` must be \`true\` or \`false\`.

    workload:
      gcp_auth: google_oauth
    keychain:
      - name: amadeus_credentials
        kind: secrets
        provider: gcp
        auth: "{{ workload.gcp_auth }}"
        auto_renew: true     # keychain-auto-renew: secrets are read, not renewed
        map: { client_id: projects/123/secrets/amadeus-key/versions/latest }
    workflow:
      - step: search
        tool: { kind: http, url: "https://test.api.amadeus.com/v2?c={{ keychain.amadeus_credentials.client_id }}" }`,
  check({ playbook, report }) {
    for (const entry of playbook.keychain) {
      const pair = pairOf(entry.node, 'auto_renew');
      if (pair === undefined) continue;
      const v = pair.value;
      if (!isScalar(v) || typeof v.value !== 'boolean') {
        report(nodeSpan(v ?? pair.key), `auto_renew must be true or false, got ${isScalar(v) ? JSON.stringify(v.value) : 'a collection'}`);
        continue;
      }
      const kind = findKeychainKind(entry.kind);
      if (v.value && kind && kind.renewal === undefined) {
        report(nodeSpan(pair.key), `auto_renew has no effect on kind ${entry.kind}: only ${renewable.join(', ')} entries can be renewed; remove it`);
      }
    }
  },
};
