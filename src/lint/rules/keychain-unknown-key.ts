import { closest } from '../../core/suggest.js';
import { KEYCHAIN_COMMON_KEYS, KEYCHAIN_KEY_ALIASES, KEYCHAIN_KINDS } from '../knowledge.js';
import { nodeSpan, scalarString } from '../playbook.js';
import type { Rule } from '../types.js';

const allKeys = [...new Set([...KEYCHAIN_COMMON_KEYS, ...Object.values(KEYCHAIN_KINDS).flatMap((s) => s.keys)])];

export const keychainUnknownKey: Rule = {
  id: 'keychain-unknown-key',
  defaultSeverity: 'warning',
  summary: 'A keychain entry has no keys its kind does not understand',
  docs: `The runtime ignores keys a keychain kind does not read, so a misspelt key (\`endpont\`,
\`ttl\`, \`type\` for \`kind\`) silently changes nothing. Keys every kind accepts:
${KEYCHAIN_COMMON_KEYS.join(', ')}. Per kind:
${Object.entries(KEYCHAIN_KINDS).map(([k, s]) => `- ${k}: ${s.keys.join(', ')}`).join('\n')}

    - name: amadeus_token
      kind: oauth2
      endpont: https://…/token     # keychain-unknown-key: did you mean 'endpoint'?`,
  check({ playbook, report }) {
    for (const entry of playbook.keychain) {
      const spec = entry.kind === undefined ? undefined : KEYCHAIN_KINDS[entry.kind];
      const allowed = spec ? [...KEYCHAIN_COMMON_KEYS, ...spec.keys] : allKeys;
      for (const pair of entry.node.items) {
        const key = scalarString(pair.key);
        if (key === undefined || allowed.includes(key)) continue;
        // `type:` without `kind:` is already keychain-kind's finding.
        if (key === 'type' && entry.kind === undefined) continue;
        const alias = KEYCHAIN_KEY_ALIASES[key];
        const suggestion = alias !== undefined && allowed.includes(alias) ? alias : closest(key, allowed);
        const where = spec ? `kind ${entry.kind}` : 'a keychain entry';
        report(nodeSpan(pair.key as never), `unknown key '${key}' in ${where}${suggestion ? `; did you mean '${suggestion}'?` : ''}`);
      }
    }
  },
};
