import { closest } from '../../core/suggest.js';
import { ALL_KEYCHAIN_KEYS, COMMON_KEY_ALIASES, KEYCHAIN_COMMON_KEYS, KEYCHAIN_KINDS, KIND_KEYS, findKeychainKind } from '../../core/keychain-kinds/index.js';
import { nodeSpan, scalarString } from '../playbook.js';
import type { Rule } from '../types.js';

export const keychainUnknownKey: Rule = {
  id: 'keychain-unknown-key',
  defaultSeverity: 'warning',
  summary: 'A keychain entry has no keys its kind does not understand',
  docs: `The runtime ignores keys a keychain kind does not read, so a misspelt key (\`endpont\`,
\`ttl\`, \`type\` for \`kind\`) silently changes nothing. Keys every kind accepts:
${KEYCHAIN_COMMON_KEYS.join(', ')}. Per kind:
${KEYCHAIN_KINDS.map((k) => `- ${[k.id, ...k.aliases].join(', ')}: ${k.keys.join(', ')}`).join('\n')}

    keychain:
      - name: amadeus_token
        kind: oauth2
        endpoint: https://test.api.amadeus.com/v1/security/oauth2/token
        ttl: 1800                   # keychain-unknown-key: did you mean 'ttl_seconds'?
    workflow:
      - step: search
        tool:
          kind: http
          url: https://test.api.amadeus.com/v2/shopping/flight-offers
          headers: { Authorization: "Bearer {{ keychain.amadeus_token.access_token }}" }`,
  check({ playbook, report }) {
    for (const entry of playbook.keychain) {
      const kind = findKeychainKind(entry.kind);
      const allowed = kind ? [...KEYCHAIN_COMMON_KEYS, ...kind.keys] : ALL_KEYCHAIN_KEYS;
      for (const pair of entry.node.items) {
        const key = scalarString(pair.key);
        if (key === undefined || allowed.includes(key)) continue;
        // A kind key written otherwise (`type:`) without one is already keychain-kind's finding.
        if (entry.kind === undefined && KIND_KEYS.includes(COMMON_KEY_ALIASES[key])) continue;
        const alias = (kind ? kind.keyAliases?.[key] : KEYCHAIN_KINDS.map((k) => k.keyAliases?.[key]).find((a) => a !== undefined)) ?? COMMON_KEY_ALIASES[key];
        const hint = kind?.keyHints?.[key];
        const suggestion = alias !== undefined && allowed.includes(alias) ? alias : hint ? undefined : closest(key, allowed);
        const where = kind ? `kind ${entry.kind}` : 'a keychain entry';
        report(nodeSpan(pair.key as never), `unknown key '${key}' in ${where}${suggestion ? `; did you mean '${suggestion}'?` : hint ? `; ${hint}` : ''}`);
      }
    }
  },
};
