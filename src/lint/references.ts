/** What a playbook's templates can name, and the order its steps can run in. */
import type { TemplateReference } from '../core/templates.js';
import { inScope } from './dsl.js';
import { pairOf, type Playbook, type Step, type TemplateString } from './playbook.js';

/** Bearer variables: name → the steps whose `auth.variable` sets it. */
export function bearerVariables(pb: Playbook): Map<string, Step[]> {
  const out = new Map<string, Step[]>();
  for (const step of pb.steps) {
    if (step.sets === undefined) continue;
    const list = out.get(step.sets.name) ?? [];
    list.push(step);
    out.set(step.sets.name, list);
  }
  return out;
}

/** Runtime internals (`__frame_max_rows`) are dunder names. */
export const isRuntimeInternal = (name: string): boolean => name.startsWith('__');

const defined = new WeakMap<Playbook, Set<string>>();

/** The names a playbook defines itself: workload and top-level ctx keys, steps, tasks, variables. */
export function playbookNames(pb: Playbook): Set<string> {
  let names = defined.get(pb);
  if (!names) defined.set(pb, (names = new Set([...pb.workload.keys(), ...pb.ctxKeys, ...pb.stepsByName.keys(), ...pb.workbookTasks, ...pb.definedNames, ...bearerVariables(pb).keys()])));
  return names;
}

/** Whether a bare name may be used in template `t`: the playbook defines it, or its DSL's runtime provides it there (src/lint/dsl.ts). */
export function isKnownName(pb: Playbook, t: TemplateString, name: string): boolean {
  return playbookNames(pb).has(name) || inScope(name, pb.dsl, t.places) || isRuntimeInternal(name);
}

/**
 * Steps reachable from `from` in one or more transitions. A step without `next` is
 * followed by the next step in the list (the lenient reading: some runtimes run them in order).
 */
export function reachableFrom(pb: Playbook, from: Step): Set<Step> {
  const seen = new Set<Step>();
  const queue: Step[] = [from];
  while (queue.length > 0) {
    const step = queue.shift() as Step;
    const targets: Step[] = [];
    if (step.next.length === 0 && pairOf(step.node, 'next') === undefined) {
      const following = pb.steps[pb.steps.indexOf(step) + 1];
      if (following) targets.push(following);
    }
    for (const n of step.next) {
      const target = pb.stepsByName.get(n.name);
      if (target) targets.push(target);
    }
    for (const t of targets) {
      if (seen.has(t)) continue;
      seen.add(t);
      queue.push(t);
    }
  }
  return seen;
}

/** The workload key a reference names: `{{ workload.k… }}`, or a bare `{{ k }}` (the runtime puts workload keys at the top). */
export function workloadKeyOf(ref: TemplateReference): string | undefined {
  return ref.root === 'workload' ? ref.path[0]?.name : ref.path.length === 0 ? ref.root : undefined;
}

/** Workload keys that an `auth` attribute references (`auth: "{{ workload.k }}"` or `"{{ k }}"`): they hold credential names. */
export function authWorkloadKeys(pb: Playbook): Set<string> {
  const keys = new Set<string>();
  for (const t of pb.templates) {
    if (!t.keys.includes('auth')) continue;
    for (const ref of t.scan.references) {
      const name = workloadKeyOf(ref);
      if (name !== undefined && pb.workload.has(name)) keys.add(name);
    }
  }
  return keys;
}
