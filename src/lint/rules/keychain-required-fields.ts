import { hasTemplate } from '../../core/templates.js';
import { isMap } from '../yaml-tree.js';
import { KEYCHAIN_KINDS, KIND_KEYS, findKeychainKind, mappingMessage, requirementMessage, unknownProviderMessage, unmetRequirements } from '../../core/keychain-kinds/index.js';
import { nodeSpan, pairOf, scalarString } from '../playbook.js';
import type { Rule, Span } from '../types.js';

const kindLine = (k: (typeof KEYCHAIN_KINDS)[number]) => {
  const needs = k.required.map((r) => (r.when ? `${r.what} with \`${r.when}\`` : r.mapping ? `a non-empty ${r.what}` : r.what));
  return `- ${[k.id, ...k.aliases].map((n) => `\`${n}\``).join(' / ')}: ${needs.join(', ')}.`;
};

export const keychainRequiredFields: Rule = {
  id: 'keychain-required-fields',
  defaultSeverity: 'error',
  summary: 'A keychain entry has the fields its kind needs',
  docs: `Each kind needs certain fields:

${KEYCHAIN_KINDS.map(kindLine).join('\n')}

    workload:
      gcp_auth: google_oauth
      openai_secret_path: projects/123/secrets/openai-key/versions/latest
    keychain:
      - name: openai_token
        kind: secrets             # keychain-required-fields: needs provider (gcp, aws or azure)
        auth: "{{ workload.gcp_auth }}"
        map:
          api_key: "{{ workload.openai_secret_path }}"
    workflow:
      - step: ask
        tool:
          kind: http
          url: https://api.openai.com/v1/models
          headers: { Authorization: "Bearer {{ keychain.openai_token.api_key }}" }`,
  check({ playbook, report }) {
    for (const entry of playbook.keychain) {
      const kind = findKeychainKind(entry.kind);
      if (!kind) continue;
      const at: Span = nodeSpan(KIND_KEYS.map((k) => pairOf(entry.node, k)?.value).find((v) => v != null) ?? entry.nameNode ?? entry.node);
      const label = `keychain entry '${entry.name ?? `#${entry.index + 1}`}'`;
      const has = (key: string) => pairOf(entry.node, key)?.value != null;
      const unmet = new Set(unmetRequirements(kind, has));
      for (const requirement of kind.required) {
        if (unmet.has(requirement)) {
          report(at, `${label} ${requirementMessage(requirement, entry.kind)}`);
          continue;
        }
        const value = requirement.anyOf.map((k) => pairOf(entry.node, k)?.value).find((v) => v != null);
        if (!value) continue;
        if (requirement.mapping && (!isMap(value) || value.items.length === 0)) report(nodeSpan(value), mappingMessage(requirement, label));
        // A provider given literally must be one this kind can read.
        if (kind.providers && requirement.anyOf.includes('provider')) {
          const provider = scalarString(value);
          if (provider !== undefined && !hasTemplate(provider) && !(kind.providers as readonly string[]).includes(provider)) report(nodeSpan(value), unknownProviderMessage(kind, provider));
        }
      }
    }
  },
};
