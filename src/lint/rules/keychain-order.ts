import { declaredAfterMessage } from '../../core/keychain-kinds/index.js';
import { nodeSpan, templateSpan } from '../playbook.js';
import type { Rule } from '../types.js';
import { keychainEdges } from './keychain-cycle.js';

export const keychainOrder: Rule = {
  id: 'keychain-order',
  defaultSeverity: 'error',
  summary: 'A keychain entry that uses another comes after it',
  docs: `Keychain entries are resolved in the order they are declared, each seeing only the entries
above it (the runtime walks the section once; \`noetl keychain resolve\` does the same), so an
entry can only use (\`{{ keychain.other.field }}\`) entries declared above it. Move the entry that
is used above the one that uses it.

    keychain:
      - name: amadeus_token          # uses amadeus_credentials, declared below: keychain-order
        kind: oauth2
        data:
          client_id: "{{ keychain.amadeus_credentials.client_id }}"
      - name: amadeus_credentials
        kind: secrets
        …`,
  check({ playbook, report }) {
    const { edges, cycles } = keychainEdges(playbook);
    for (const edge of edges) {
      if (edge.to.index <= edge.from.index || cycles.has(edge.from)) continue;
      const line = playbook.source.position(nodeSpan(edge.to.nameNode ?? edge.to.node).start).line;
      report(templateSpan(edge.template, edge.segment.start, edge.segment.end), declaredAfterMessage(edge.from.name ?? '?', edge.to.name ?? '?', line));
    }
  },
};
