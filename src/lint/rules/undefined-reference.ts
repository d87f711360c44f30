import { closest } from '../../core/suggest.js';
import { templateSpan } from '../playbook.js';
import { isRuntimeInternal, knownNames } from '../references.js';
import type { Rule } from '../types.js';

export const undefinedReference: Rule = {
  id: 'undefined-reference',
  defaultSeverity: 'error',
  summary: 'A bare {{ name }} is a workload key, a step, a variable or a runtime name',
  docs: `A bare name in a template (\`{{ pg_auth }}\`, \`{{ fetch_data.rows }}\`) is looked up in the
execution context, which holds: the workload keys, the result of every step (by step name),
bearer variables set by \`auth.variable\`, loop iterators, names set with \`set:\`/\`vars:\`, and
what the runtime provides (execution_id, job, payload, ctx, iter, event, output, result, env, …).
Any other name renders as nothing. A name that is close to a known one gets a did-you-mean.

Names a template binds itself (\`{% for row in rows %}\`, \`{% set n = … %}\`) are fine.

    - step: save
      tool:
        kind: postgres
        command: "INSERT INTO t VALUES ('{{ fetch_dta.id }}')"   # did you mean step 'fetch_data'?`,
  check({ playbook, report }) {
    const known = knownNames(playbook);
    const steps = [...playbook.stepsByName.keys(), ...playbook.workbookTasks];
    const variables = [...playbook.workload.keys(), ...playbook.definedNames];
    for (const t of playbook.templates) {
      for (const ref of t.scan.references) {
        if (known.has(ref.root) || isRuntimeInternal(ref.root)) continue;
        const stepHint = closest(ref.root, steps);
        const otherHint = closest(ref.root, variables);
        let hint = '';
        if (ref.path.length > 0 && stepHint) hint = `; did you mean step '${stepHint}'?`;
        else if (otherHint) hint = `; did you mean '${otherHint}'?`;
        else if (stepHint) hint = `; did you mean step '${stepHint}'?`;
        // `Bearer {{ x }}`: x is meant to be a bearer variable that no step sets.
        if (!hint && ref.path.length === 0 && /Bearer\s*\{\{-?\s*$/i.test(t.value.slice(0, ref.start))) {
          hint = `; no step sets it: add \`auth: {bearer: true, variable: ${ref.root}}\` to the step that fetches the token`;
        }
        const what = ref.path.length > 0 ? 'is not a step, a workload key or a variable' : 'is not a workload key, a step or a variable';
        report(templateSpan(t, ref.start, ref.start + ref.root.length), `'${ref.root}' ${what}${hint}`);
      }
    }
  },
};
