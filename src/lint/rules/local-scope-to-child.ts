import { scalarString, templateSpan, valueOf } from '../playbook.js';
import type { Rule } from '../types.js';

export const localScopeToChild: Rule = {
  id: 'local-scope-to-child',
  defaultSeverity: 'warning',
  summary: 'A local keychain value is not passed to a child playbook',
  docs: `A keychain entry with \`scope: local\` is visible to its own execution only; child playbooks
started by a \`kind: playbook\` step cannot see it. Passing \`{{ keychain.<local entry>… }}\` in the
child's args hands over a value the child cannot refresh or look up again, and the child's own
\`keychain.\` references to it find nothing. Use \`scope: shared\`: the entry is then visible to
the whole execution tree (parent, children, grandchildren).

    keychain:
      - name: project_context
        kind: http
        scope: local          # children cannot see it: use shared
        endpoint: https://api.example.com/v1/projects/initialize
    workflow:
      - step: process
        tool:
          kind: playbook
          path: orchestration/child
          args:
            project_token: "{{ keychain.project_context.project_token }}"   # local-scope-to-child`,
  check({ playbook, report }) {
    const local = new Map(playbook.keychain.filter((e) => e.name !== undefined && scalarString(valueOf(e.node, 'scope')) === 'local').map((e) => [e.name as string, e]));
    if (local.size === 0) return;
    for (const step of playbook.steps) {
      if (step.childArgs.length === 0) continue;
      const ranges = step.childArgs.map((n) => n.range);
      for (const t of playbook.templates) {
        if (t.step !== step) continue;
        const at = t.node.range[0];
        if (!ranges.some((r) => at >= r[0] && at < r[1])) continue;
        for (const ref of t.scan.references) {
          if (ref.root !== 'keychain' || ref.path.length === 0 || !local.has(ref.path[0].name)) continue;
          report(templateSpan(t, ref.start, ref.end), `keychain entry '${ref.path[0].name}' has scope local, which child playbooks cannot see; step '${step.name ?? ''}' passes it to one — use scope: shared`);
        }
      }
    }
  },
};
