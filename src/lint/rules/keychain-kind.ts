import { KEYCHAIN_KIND_NAMES, KIND_KEY_ALIASES, KIND_KEYS, findKeychainKind, missingKindMessage, unknownKindMessage } from '../../core/keychain-kinds/index.js';
import { nodeSpan, pairOf } from '../playbook.js';
import type { Rule } from '../types.js';

export const keychainKind: Rule = {
  id: 'keychain-kind',
  defaultSeverity: 'error',
  summary: 'Every keychain entry has a known kind',
  docs: `\`kind\` tells the runtime how to obtain the entry's value. Known kinds:
${KEYCHAIN_KIND_NAMES.map((k) => `\`${k}\``).join(', ')}.
(\`secrets\` is the newer spelling of \`secret_manager\`; both are accepted.)
An entry without a kind, or with an unknown one, cannot be resolved and fails the step that uses it.

    keychain:
      - name: amadeus_token
        kind: oauth           # keychain-kind: did you mean 'oauth2'?
        endpoint: https://test.api.amadeus.com/v1/security/oauth2/token
    workflow:
      - step: search
        tool:
          kind: http
          url: https://test.api.amadeus.com/v2/shopping/flight-offers
          headers: { Authorization: "Bearer {{ keychain.amadeus_token.access_token }}" }`,
  check({ playbook, report }) {
    for (const entry of playbook.keychain) {
      const pair = KIND_KEYS.map((k) => pairOf(entry.node, k)).find((p) => p !== undefined);
      if (pair === undefined) {
        const alias = KIND_KEY_ALIASES.find((k) => pairOf(entry.node, k)?.value != null);
        report(nodeSpan(entry.nameNode ?? entry.node), missingKindMessage(`keychain entry '${entry.name ?? `#${entry.index + 1}`}'`, alias));
        continue;
      }
      if (findKeychainKind(entry.kind)) continue;
      report(nodeSpan(pair.value ?? pair.key), unknownKindMessage(entry.kind ?? ''));
    }
  },
};
