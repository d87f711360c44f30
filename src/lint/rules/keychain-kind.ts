import { closest } from '../../core/suggest.js';
import { KEYCHAIN_KINDS } from '../knowledge.js';
import { nodeSpan, pairOf, valueOf } from '../playbook.js';
import type { Rule } from '../types.js';

export const keychainKind: Rule = {
  id: 'keychain-kind',
  defaultSeverity: 'error',
  summary: 'Every keychain entry has a known kind',
  docs: `\`kind\` tells the runtime how to obtain the entry's value. Known kinds:
${Object.keys(KEYCHAIN_KINDS).map((k) => `\`${k}\``).join(', ')}.
(\`secrets\` is the newer spelling of \`secret_manager\`; both are accepted.)
An entry without a kind, or with an unknown one, cannot be resolved and fails the step that uses it.

    keychain:
      - name: amadeus_token
        kind: oauth           # keychain-kind: did you mean 'oauth2'?`,
  check({ playbook, report }) {
    for (const entry of playbook.keychain) {
      const pair = pairOf(entry.node, 'kind');
      if (pair === undefined) {
        const alias = valueOf(entry.node, 'type');
        const hint = alias ? ` (it has \`type:\`; the key is \`kind:\`)` : '';
        const at = nodeSpan(entry.nameNode ?? entry.node);
        report(at, `keychain entry '${entry.name ?? `#${entry.index + 1}`}' has no kind${hint}; one of: ${Object.keys(KEYCHAIN_KINDS).join(', ')}`);
        continue;
      }
      const kind = entry.kind;
      if (kind !== undefined && kind in KEYCHAIN_KINDS) continue;
      const suggestion = kind === undefined ? undefined : closest(kind, Object.keys(KEYCHAIN_KINDS));
      report(nodeSpan(pair.value ?? pair.key), `unknown keychain kind '${kind ?? ''}'${suggestion ? `; did you mean '${suggestion}'?` : `; one of: ${Object.keys(KEYCHAIN_KINDS).join(', ')}`}`);
    }
  },
};
