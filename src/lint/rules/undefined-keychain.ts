import { closest } from '../../core/suggest.js';
import { templateSpan } from '../playbook.js';
import type { Rule } from '../types.js';

export const undefinedKeychain: Rule = {
  id: 'undefined-keychain',
  defaultSeverity: 'error',
  summary: '{{ keychain.X }} names an entry the keychain section declares',
  docs: `\`{{ keychain.<name>.<field> }}\` is resolved from the playbook's own \`keychain:\` section. A name
that is not declared there renders as nothing (or fails the step with "KEYCHAIN: Entry not
found"). The finding suggests the closest declared name (or \`workload.<name>\` when the name is a
workload key) and lists what is available. Each unknown entry is reported once per file.

    keychain:
      - name: amadeus_token
        kind: oauth2
        endpoint: https://test.api.amadeus.com/v1/security/oauth2/token
    workflow:
      - step: search
        tool:
          kind: http
          url: https://test.api.amadeus.com/v2/shopping/flight-offers
          headers: { Authorization: "Bearer {{ keychain.amadeus_token.access_token }}" }
      - step: book
        tool:
          kind: http
          url: https://test.api.amadeus.com/v1/booking/flight-orders
          headers: { Authorization: "Bearer {{ keychain.amadeus_tokn.access_token }}" }   # undefined-keychain: did you mean 'amadeus_token'?`,
  check({ playbook, report }) {
    const declared = playbook.keychain.map((e) => e.name).filter((n): n is string => n !== undefined);
    for (const t of playbook.templates) {
      for (const ref of t.scan.references) {
        if (ref.root !== 'keychain' || ref.path.length === 0) continue;
        const name = ref.path[0];
        if (declared.includes(name.name)) continue;
        const suggestion = closest(name.name, declared);
        const hint = playbook.workload.has(name.name) ? `; did you mean workload.${name.name}?` : suggestion ? `; did you mean '${suggestion}'?` : '';
        const available = declared.length === 0 ? 'this playbook has no keychain section' : `declared: ${declared.join(', ')}`;
        report(templateSpan(t, name.start, name.end), `keychain entry '${name.name}' is not declared${hint} (${available})`, { construct: name.name });
      }
    }
  },
};
