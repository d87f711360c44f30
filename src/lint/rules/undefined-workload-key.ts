import { closest } from '../../core/suggest.js';
import { templateSpan } from '../playbook.js';
import type { Rule } from '../types.js';

export const undefinedWorkloadKey: Rule = {
  id: 'undefined-workload-key',
  defaultSeverity: 'error',
  summary: '{{ workload.X }} names a key of the workload section',
  docs: `\`{{ workload.<key> }}\` reads the playbook's \`workload:\` section (merged with the execution
payload). A key that is not declared there renders as nothing — an empty auth reference, an
empty URL. Declare the key (with a default) in \`workload:\`, or fix the name.

    workload:
      pg_auth: pg_local
    workflow:
      - step: load
        tool:
          kind: postgres
          auth: "{{ workload.pg_aut }}"     # did you mean 'pg_auth'?`,
  check({ playbook, report }) {
    const keys = [...playbook.workload.keys()];
    for (const t of playbook.templates) {
      for (const ref of t.scan.references) {
        if (ref.root !== 'workload' || ref.path.length === 0) continue;
        const key = ref.path[0];
        if (playbook.workload.has(key.name)) continue;
        const suggestion = closest(key.name, keys);
        const context = keys.length === 0 ? 'this playbook has no workload section' : `workload declares: ${keys.length > 12 ? `${keys.slice(0, 12).join(', ')}, …` : keys.join(', ')}`;
        report(templateSpan(t, key.start, key.end), `workload key '${key.name}' is not declared${suggestion ? `; did you mean '${suggestion}'?` : ''} (${context})`);
      }
    }
  },
};
