import { templateSpan } from '../playbook.js';
import { bearerVariables, reachableFrom } from '../references.js';
import type { Rule } from '../types.js';

export const bearerVariableOrder: Rule = {
  id: 'bearer-variable-order',
  defaultSeverity: 'error',
  summary: 'A bearer variable is used only after a step that sets it can have run',
  docs: `A step with \`auth: {bearer: true, variable: my_token}\` stores its result as the execution
variable \`my_token\` when it completes. A template can use \`{{ my_token }}\` only in a step
that runs after it: one reachable from the setting step by following \`next\` (a step without
\`next\` is taken to continue with the following step). Using it in the same step, in a step
that runs before, or on a branch that never passes through the setting step renders nothing.

    workload:
      api_auth: api_credentials
    workflow:
      - step: call_api                     # runs first
        next: [{ step: get_token }]
        tool: { kind: http, url: https://api.example.com, headers: { Authorization: "Bearer {{ api_token }}" } }   # bearer-variable-order
      - step: get_token
        tool: { kind: python, code: "result = 1", auth: { credential: "{{ workload.api_auth }}", bearer: true, variable: api_token } }`,
  check({ playbook, report }) {
    const setters = bearerVariables(playbook);
    if (setters.size === 0) return;
    const reach = new Map<object, Set<object>>();
    const reachable = (from: (typeof playbook.steps)[number]) => {
      let r = reach.get(from);
      if (!r) reach.set(from, (r = reachableFrom(playbook, from)));
      return r;
    };
    for (const t of playbook.templates) {
      for (const ref of t.scan.references) {
        const steps = setters.get(ref.root);
        if (!steps || playbook.workload.has(ref.root) || playbook.stepsByName.has(ref.root)) continue;
        const user = t.step;
        const names = steps.map((s) => `'${s.name ?? `#${s.index + 1}`}'`).join(', ');
        const span = templateSpan(t, ref.start, ref.start + ref.root.length);
        if (user === undefined) {
          report(span, `bearer variable '${ref.root}' is set by step ${names} and exists only inside the workflow, after that step`);
          continue;
        }
        if (steps.some((s) => reachable(s).has(user))) continue;
        const why = steps.includes(user) ? 'is set by this same step, only when it completes' : `is set by step ${names}, which cannot run before step '${user.name ?? `#${user.index + 1}`}' (follow \`next\`)`;
        report(span, `bearer variable '${ref.root}' ${why}`);
      }
    }
  },
};
