/**
 * Jinja2 rendering of playbook templates, as a NoETL worker renders them (Python's Jinja2,
 * `Environment(undefined=StrictUndefined)`), sandboxed. Playbooks are untrusted input (a pull
 * request, a catalog entry someone else registered), so a template reaches no JavaScript
 * object, prototype, constructor or global: @huggingface/jinja parses it (from our Jinja2
 * lexer's tokens) and our interpreter (src/core/jinja/) evaluates it over values of its own,
 * looking attributes up only in tables of Python's methods. Its work is bounded (steps, range
 * size, string, list and integer size, call depth, and the characters and items builtins
 * handle), so a template cannot hang the process or exhaust its memory either. Everything is loaded on first use (await import), so nothing that merely
 * imports this module pays for it. An undefined variable is an error when used (printed,
 * compared, iterated…), never a silent empty string; `default` and `is defined` cover it.
 *
 * Values print as Python prints them: `{'a': 1}`, `[1, 2]`, `True`, `None`, `2.0`; `tojson` is
 * Jinja2's (sorted keys, ASCII, `<>&'` escaped). test/keychain/jinja-differential.test.ts
 * compares the two on every template of the corpus and lists the known differences.
 *
 * Masking (`noetl render` without --reveal): every leaf of a value wrapped in `secret()` is
 * boxed; opening the box (to print, compare, transform or test it) marks the piece of the
 * template being evaluated (a text run, a `{{ … }}`, a `{% … %}` block), and that piece prints
 * as MASKED instead, whatever it did with the value (`| upper`, `| reverse`, `[1:]`, a
 * comparison in an `{% if %}`); once a piece that read a secret may have stored something
 * (`{% set %}`, macros), every later non-text piece is masked. Moving a secret without
 * looking at it (`| default`, `is defined`, `| length` of a mapping, `.keys()`) reads nothing.
 */
import { MASKED, Secret, secret, TEMPLATE_LIMITS, TemplateError } from './jinja/common.js';
import type { Engine, Parse, Prepared } from './jinja/engine.js';

export { MASKED, Secret, secret, TEMPLATE_LIMITS, TemplateError };

export interface RenderOptions {
  /** Replace every piece of output that read a `secret()` value by MASKED; an error after such a read is not detailed. */
  maskSecrets?: boolean;
  /**
   * Told, after each template renders, the undefined references `default` or `is defined`
   * covered in it (`workload.x` in `{{ workload.x | default('y') }}`): they are not missing.
   */
  onCovered?: (reference: string) => void;
}

/**
 * The context playbooks render with: workload keys both as `workload.x` and bare `x`,
 * plus `extra` (keychain, execution_id, …), which wins over a workload key of the same name.
 */
export function workloadContext(workload: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...workload, workload, ...extra };
}

/** Whether a string contains template syntax at all (rendering it would change it). */
export function isTemplate(text: string): boolean {
  return text.includes('{{') || text.includes('{%');
}

/**
 * Whether a NoETL worker renders the string at all (noetl/core/dsl/render.py): only with both
 * `{{` and `}}`, or both `{%` and `%}`; anything else (a lone `{{`, only a `{# comment #}`)
 * it passes through as written, and so do we.
 */
export function workerRenders(text: string): boolean {
  return (text.includes('{{') && text.includes('}}')) || (text.includes('{%') && text.includes('%}'));
}

/**
 * A renderer for many templates over one context (converted once). Each call throws
 * TemplateError naming the template on any failure.
 */
export async function templateRenderer(context: Record<string, unknown>, options: RenderOptions = {}): Promise<(text: string) => string> {
  const engine = await loadEngine();
  let prepared: Prepared | undefined;
  return (text) => {
    if (!workerRenders(text)) return text;
    prepared ??= engine.prepare(context, Boolean(options.maskSecrets));
    return engine.render(text, prepared, options.onCovered);
  };
}

/** Renders one template string. Throws TemplateError naming the template on any failure. */
export async function renderTemplate(text: string, context: Record<string, unknown>, options: RenderOptions = {}): Promise<string> {
  return (await templateRenderer(context, options))(text);
}

/** Renders every string inside a JSON-like value (objects, arrays), keeping its shape. */
export async function renderValue<T>(value: T, context: Record<string, unknown>, options: RenderOptions = {}): Promise<T> {
  const render = await templateRenderer(context, options);
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return render(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, inner]) => [k, walk(inner)]));
    return v;
  };
  return walk(value) as T;
}

let engine: Promise<Engine> | undefined;

function loadEngine(): Promise<Engine> {
  // The package's own declarations import "./runtime" without an extension, which NodeNext
  // resolution cannot follow: its parser is typed here, on our side (jinja/engine.ts).
  engine ??= Promise.all([import('@huggingface/jinja'), import('./jinja/engine.js')]).then(([jinja, { makeEngine }]) => makeEngine((jinja as unknown as { parse: Parse }).parse));
  return engine;
}
