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
      - name: amadeus_token
        kind: oauth2
        endpoint: https://test.api.amadeus.com/v1/security/oauth2/token
        data:
          client_id: "{{ keychain.amadeus_credentials.client_id }}"   # keychain-order: declared below
      - name: amadeus_credentials
        kind: static
        map: { client_id: "{{ workload.amadeus_client_id }}" }
    workload:
      amadeus_client_id: my-client
    workflow:
      - step: search
        tool:
          kind: http
          url: https://test.api.amadeus.com/v2/shopping/flight-offers
          headers: { Authorization: "Bearer {{ keychain.amadeus_token.access_token }}" }`,
  check({ playbook, report }) {
    const { edges, cycles } = keychainEdges(playbook);
    for (const edge of edges) {
      if (edge.to.index <= edge.from.index || cycles.has(edge.from)) continue;
      const line = playbook.source.position(nodeSpan(edge.to.nameNode ?? edge.to.node).start).line;
      report(templateSpan(edge.template, edge.segment.start, edge.segment.end), declaredAfterMessage(edge.from.name ?? '?', edge.to.name ?? '?', line));
    }
  },
};
