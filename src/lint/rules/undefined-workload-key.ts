import { closest } from '../../core/suggest.js';
import type { ReferenceSegment, TemplateReference } from '../../core/templates.js';
import { templateSpan } from '../playbook.js';
import type { Rule } from '../types.js';

/** The workload key a reference reads: `workload.K`, or `context.workload.K` (the runtime's context object). */
export function workloadKeySegment(ref: TemplateReference): ReferenceSegment | undefined {
  if (ref.root === 'workload') return ref.path[0];
  if (ref.root === 'context' && ref.path[0]?.name === 'workload') return ref.path[1];
  return undefined;
}

export const undefinedWorkloadKey: Rule = {
  id: 'undefined-workload-key',
  defaultSeverity: 'error',
  summary: '{{ workload.X }} and {{ context.workload.X }} name a key of the workload section',
  docs: `\`{{ workload.<key> }}\` (also written \`{{ context.workload.<key> }}\`) reads the playbook's
\`workload:\` section (merged with the execution payload). A key that is not declared there renders
as nothing — an empty auth reference, an empty URL. Declare the key (with a default) in
\`workload:\`, or fix the name. The name of a keychain entry gets "did you mean keychain.<name>".
Each unknown key is reported once per file, at its first use.

    workload:
      pg_auth: pg_local
    workflow:
      - step: load
        tool:
          kind: postgres
          auth: "{{ context.workload.pg_aut }}"     # undefined-workload-key: did you mean 'pg_auth'?
          command: SELECT 1`,
  check({ playbook, report }) {
    const keys = [...playbook.workload.keys()];
    const keychain = new Set(playbook.keychain.map((e) => e.name));
    for (const t of playbook.templates) {
      for (const ref of t.scan.references) {
        const key = workloadKeySegment(ref);
        if (key === undefined || playbook.workload.has(key.name)) continue;
        const suggestion = keychain.has(key.name) ? undefined : closest(key.name, keys);
        const hint = keychain.has(key.name) ? `; did you mean keychain.${key.name}?` : suggestion ? `; did you mean '${suggestion}'?` : '';
        const context = keys.length === 0 ? 'this playbook has no workload section' : `workload declares: ${keys.length > 12 ? `${keys.slice(0, 12).join(', ')}, …` : keys.join(', ')}`;
        report(templateSpan(t, key.start, key.end), `workload key '${key.name}' is not declared${hint} (${context})`, { construct: key.name });
      }
    }
  },
};
