import { closest } from '../../core/suggest.js';
import { scopeElsewhere, scopeTable, type ScopeName } from '../dsl.js';
import { templateSpan, type Playbook } from '../playbook.js';
import { isKnownName } from '../references.js';
import type { Rule } from '../types.js';

const PLACE_WORDS: Record<ScopeName['place'], string> = {
  everywhere: 'in any template',
  step: 'inside a step',
  save: 'inside a save:/sink: block',
  policy: 'inside a spec.policy block',
  chunked: 'in a step that declares chunk:',
};

/** Why a runtime name is not in scope here: another DSL version's, or another place's. */
function elsewhereHint(pb: Playbook, name: string): string {
  const entries = scopeElsewhere(name);
  if (!entries) return '';
  const ofThisVersion = entries.filter((s) => s.versions.some((v) => pb.dsl.versions.includes(v)));
  if (ofThisVersion.length > 0) return `; the runtime provides it only ${ofThisVersion.map((s) => PLACE_WORDS[s.place]).join(' or ')}`;
  return `; it is a ${entries[0].versions.join('/')} name and this playbook is apiVersion ${pb.dsl.declared}`;
}

export const undefinedReference: Rule = {
  id: 'undefined-reference',
  defaultSeverity: 'error',
  summary: 'A bare {{ name }} is a workload key, a step, a variable or a runtime name',
  docs: `A bare name in a template (\`{{ pg_auth }}\`, \`{{ fetch_data.rows }}\`) is looked up in the
execution context, which holds: the workload keys (and the keys of a top-level \`ctx:\`), the
result of every step and task (by name, or by a step's \`result: <name>\`), bearer variables set
by \`auth.variable\`, loop iterators, names set with \`set:\`/\`vars:\`/\`with:\`/\`args:\`, and what
the runtime of the playbook's DSL version (its \`apiVersion\`) provides where the template is:

${scopeTable()}

Any other name renders as nothing. A name close to a known one gets a did-you-mean; the name of a
keychain entry used bare gets "did you mean keychain.<name>". Names a template binds itself
(\`{% for row in rows %}\`, \`{% set n = … %}\`) are fine. Each unknown name is reported once per
file, at its first use. In a playbook whose apiVersion lint does not know, an unknown name is
a warning: that version may provide it.

    workflow:
      - step: fetch_data
        tool: { kind: http, url: https://api.example.com/items/1 }
        next: [{ step: save }]
      - step: save
        tool:
          kind: postgres
          auth: pg_local
          command: "INSERT INTO t VALUES ('{{ fetch_dta.id }}')"   # undefined-reference: did you mean step 'fetch_data'?`,
  check({ playbook, report }) {
    const steps = [...playbook.stepsByName.keys(), ...playbook.workbookTasks];
    const variables = [...playbook.workload.keys(), ...playbook.ctxKeys, ...playbook.definedNames];
    const keychain = new Set(playbook.keychain.map((e) => e.name).filter((n): n is string => n !== undefined));
    const unknownDsl = playbook.dsl.unknown ? `; this playbook's apiVersion ${playbook.dsl.declared} is not one lint knows (noetl.io/v1, noetl.io/v2), so it may provide the name` : '';
    // A name used many times gets its did-you-mean once.
    const hints = new Map<string, [string | undefined, string | undefined]>();
    for (const t of playbook.templates) {
      for (const ref of t.scan.references) {
        if (isKnownName(playbook, t, ref.root)) continue;
        let found = hints.get(ref.root);
        if (!found) hints.set(ref.root, (found = [closest(ref.root, steps), closest(ref.root, variables)]));
        const [stepHint, otherHint] = found;
        let hint = '';
        if (keychain.has(ref.root)) hint = `; did you mean keychain.${ref.root}?`;
        else if (ref.path.length > 0 && stepHint) hint = `; did you mean step '${stepHint}'?`;
        else if (otherHint) hint = `; did you mean '${otherHint}'?`;
        else if (stepHint) hint = `; did you mean step '${stepHint}'?`;
        else hint = elsewhereHint(playbook, ref.root);
        // `Bearer {{ x }}`: x is meant to be a bearer variable that no step sets.
        if (!hint && ref.path.length === 0 && /Bearer\s*\{\{-?\s*$/i.test(t.value.slice(0, ref.start))) {
          hint = `; no step sets it: add \`auth: {bearer: true, variable: ${ref.root}}\` to the step that fetches the token`;
        }
        const what = ref.path.length > 0 ? 'is not a step, a workload key or a variable' : 'is not a workload key, a step or a variable';
        report(templateSpan(t, ref.start, ref.start + ref.root.length), `'${ref.root}' ${what}${hint}${unknownDsl}`, { construct: ref.root, uncertain: playbook.dsl.unknown });
      }
    }
  },
};
