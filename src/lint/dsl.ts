/**
 * What each NoETL DSL version puts in a template's scope, as one table (DSL_SCOPE) that the
 * reference rules and their docs read. A playbook's DSL version is its `apiVersion`:
 * `noetl.io/v1` (step-level `tool: http`, `save:` blocks, iterators) and `noetl.io/v2` (`tool:
 * {kind: …}`, `ctx`/`iter`, and its canonical v10 form: task pipelines, `spec.policy.rules`,
 * `next.arcs`, a top-level `ctx:`). A playbook that declares no apiVersion gets the names of
 * both; one that declares a version lint does not know (a design proposal, a newer DSL) gets
 * both too, and what it names that neither has is reported once per name, as a warning.
 *
 * Besides these names, a template may use what the playbook itself defines: workload keys (bare
 * or as `workload.x`), keys of a top-level `ctx:` (v2; caller-supplied inputs), step and task
 * names (their results), bearer variables (`auth.variable`), loop iterators (`iterator`,
 * `element`, `as`), `set:`/`vars:`/`with:`/`args:`/`input:` keys, a step's `result: <name>`,
 * and names the template binds itself (`{% for x in … %}`, `{% set x = … %}`).
 */

export type DslVersion = 'v1' | 'v2';

export const DSL_VERSIONS: readonly DslVersion[] = ['v1', 'v2'];

/** The apiVersion of each DSL version. */
const API_VERSIONS: Readonly<Record<string, DslVersion>> = { 'noetl.io/v1': 'v1', 'noetl.io/v2': 'v2' };

export interface Dsl {
  /** The apiVersion the document declares, when it declares one. */
  declared?: string;
  /** The versions whose names are in scope: the declared one, or all of them. */
  versions: readonly DslVersion[];
  /** It declares an apiVersion lint does not know: names outside every version's scope are uncertain findings. */
  unknown: boolean;
}

export function dslOf(apiVersion: string | undefined): Dsl {
  if (apiVersion === undefined) return { versions: DSL_VERSIONS, unknown: false };
  const version = API_VERSIONS[apiVersion.trim()];
  return version ? { declared: apiVersion, versions: [version], unknown: false } : { declared: apiVersion, versions: DSL_VERSIONS, unknown: true };
}

/**
 * Where a template sits, as far as scope goes:
 * - `everywhere`: any template of the playbook;
 * - `step`: inside a workflow step or a workbook task;
 * - `save`: inside a `save:` or `sink:` block (the v1 save plugin, v2's sink);
 * - `policy`: inside a `spec.policy` block (v2 canonical: task policy rules, step admission);
 * - `chunked`: inside a step that declares `chunk:` (batched iteration).
 */
export type Place = 'everywhere' | 'step' | 'save' | 'policy' | 'chunked';

/** The places a template is in (it is always `everywhere`). */
export type Places = ReadonlySet<Place>;

export interface ScopeName {
  name: string;
  versions: readonly DslVersion[];
  place: Place;
  /** What the runtime puts there, for the docs. */
  what: string;
}

const both = DSL_VERSIONS;
const v1: readonly DslVersion[] = ['v1'];
const v2: readonly DslVersion[] = ['v2'];
const names = (list: string, versions: readonly DslVersion[], place: Place, what: string): ScopeName[] => list.split(' ').map((name) => ({ name, versions, place, what }));

/** Every name the runtime provides, by DSL version and place (seeds 000/001/003, upstream's DSL references). */
export const DSL_SCOPE: readonly ScopeName[] = [
  ...names('workload keychain', both, 'everywhere', 'the playbook\'s workload (merged with the payload) and its resolved keychain'),
  ...names('execution_id parent_execution_id root_execution_id catalog_id job', both, 'everywhere', 'the execution, its tree, its catalog entry, the job'),
  ...names('payload spec env secret vars context now', both, 'everywhere', 'the request payload, the playbook spec, the environment, secrets, execution variables, the context, the time'),
  ...names('input item response result results error step steps', both, 'everywhere', 'the step being rendered: its input, item, response, result(s), error; the steps'),
  ...names('loop loop_index', both, 'everywhere', 'loop state'),
  ...names('ctx iter event output', both, 'everywhere', 'execution context, iteration scope, the event being routed, a step\'s output'),
  ...names('auth', both, 'everywhere', 'unified auth: `{{ auth.<alias>.<field> }}` reads a credential a step\'s `auth:` names'),
  ...names('range lipsum dict cycler joiner namespace', both, 'everywhere', "Jinja2's globals"),
  ...names('this', v1, 'step', 'the current step\'s result (iterator tasks)'),
  ...names('_loop', v1, 'step', 'iterator state (`_loop.index`, `_loop.count`, `_loop.size`)'),
  ...names('this params data count', both, 'save', 'in a `save:`/`sink:` block: the step result, the statement\'s params (the save plugin passes them on as `data`), an iterator\'s count'),
  ...names('args', v2, 'everywhere', 'the token payload of the arc that started the step (canonical v10)'),
  ...names('_prev _task _attempt', v2, 'step', 'pipeline locals: the previous task\'s result, the task\'s label, the attempt number'),
  ...names('outcome', v2, 'policy', 'the task\'s outcome envelope (`outcome.status`, `outcome.result`, `outcome.error`, `outcome.http`)'),
  ...names('chunk', both, 'chunked', 'the current batch of a step that declares `chunk:`'),
];

const byName = new Map<string, ScopeName[]>();
for (const s of DSL_SCOPE) byName.set(s.name, [...(byName.get(s.name) ?? []), s]);

/** Whether the runtime of one of `dsl`'s versions provides `name` to a template in `places`. */
export function inScope(name: string, dsl: Dsl, places: Places): boolean {
  const entries = byName.get(name);
  if (entries === undefined) return false;
  return entries.some((s) => (s.place === 'everywhere' || places.has(s.place)) && s.versions.some((v) => dsl.versions.includes(v)));
}

/** Where else `name` is in scope, for a hint ("only inside a save: block"); undefined when nowhere. */
export function scopeElsewhere(name: string): ScopeName[] | undefined {
  return byName.get(name);
}

/** The table as Markdown-ish text for the docs: one line per group of names. */
export function scopeTable(): string {
  const place: Record<Place, string> = { everywhere: 'any template', step: 'inside a step', save: 'inside save:/sink:', policy: 'inside spec.policy', chunked: 'in a step with chunk:' };
  const groups = new Map<string, ScopeName[]>();
  for (const s of DSL_SCOPE) {
    const key = `${s.versions.join('+')}|${s.place}|${s.what}`;
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  const rows = [...groups.values()].map((g) => {
    const versions = g[0].versions.length === DSL_VERSIONS.length ? 'v1, v2' : g[0].versions.join(', ');
    return `    ${versions.padEnd(7)} ${place[g[0].place].padEnd(22)} ${g.map((s) => s.name).join(', ')}: ${g[0].what}`;
  });
  return [`    ${'DSL'.padEnd(7)} ${'where'.padEnd(22)} names`, ...rows].join('\n');
}
