/**
 * src/core/templates.ts against the parser it shadows: Jinja2 itself (Debian's python3-jinja2,
 * which .ci/run installs). For every template in the upstream corpus and for thousands of
 * generated ones (valid, and broken by random edits), the scanner and Jinja2 must agree on
 * whether the template is well formed, and on what a well-formed one reads from its context:
 * the root names with their constant attribute paths (test/lint/fixtures/jinja-reference.py).
 * Without python3-jinja2 the test skips, saying so; with CI=true that is a failure.
 * One difference is deliberate and not generated here: a name every branch of an if/else sets
 * is set after it, as Jinja2 renders it, where jinja2.meta still counts it as read from the
 * context (test/lint/templates.test.ts has that case).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scanTemplate } from '../../src/core/templates.js';
import { lintDocuments } from '../../src/lint/lint.js';
import { SourceFile } from '../../src/lint/source.js';
import { corpusDir, missingShared } from '../helpers/corpus.js';

const PYTHON = '/usr/bin/python3';
const REFERENCE = new URL('./fixtures/jinja-reference.py', import.meta.url).pathname;
const inCI = process.env.CI === 'true' || process.env.CI === '1';
const hasJinja = spawnSync(PYTHON, ['-c', 'import jinja2'], { stdio: 'ignore' }).status === 0;
if (!hasJinja) {
  if (inCI) throw new Error('python3-jinja2 is not installed: with CI=true the differential test must run (.ci/run installs it)');
  process.stderr.write('skipped: the differential test of the template scanner (Debian python3-jinja2 is not installed)\n');
}

type Reference = { ok: false; line: number; message: string } | { ok: true; refs: string[]; bound: string[] };

/** Jinja2's answer for each template, in one python process. */
function jinja(templates: string[]): Reference[] {
  const r = spawnSync(PYTHON, [REFERENCE], { input: JSON.stringify(templates), encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`jinja-reference.py failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Reference[];
}

/** The scanner's answer, in the reference's terms: for a name the template also binds, only the name. */
function ours(template: string, bound: ReadonlySet<string>): { ok: boolean; refs: string[]; errors: string[] } {
  const scan = scanTemplate(template);
  const refs = [...new Set(scan.references.map((r) => (bound.has(r.root) ? r.root : [r.root, ...r.path.map((p) => p.name)].join('.'))))].sort();
  return { ok: scan.errors.length === 0, refs, errors: scan.errors.map((e) => e.message) };
}

/** Templates where the two differ, each with both answers. */
function differences(templates: string[]): string[] {
  const reference = jinja(templates);
  const out: string[] = [];
  templates.forEach((t, i) => {
    const theirs = reference[i];
    const mine = ours(t, new Set(theirs.ok ? theirs.bound : []));
    if (theirs.ok !== mine.ok) out.push(`${JSON.stringify(t)}: jinja2 ${theirs.ok ? 'accepts it' : `rejects it (${(theirs as { message: string }).message})`}, the scanner ${mine.ok ? 'accepts it' : `rejects it (${mine.errors[0]})`}`);
    else if (theirs.ok && JSON.stringify(theirs.refs) !== JSON.stringify(mine.refs)) out.push(`${JSON.stringify(t)}: jinja2 reads ${JSON.stringify(theirs.refs)}, the scanner ${JSON.stringify(mine.refs)}`);
  });
  return out;
}

/** A small seeded generator (mulberry32): the same templates on every run. */
function random(seed: number) {
  let a = seed;
  const next = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)];
  return { next, pick };
}

const NAMES = ['workload', 'keychain', 'ctx', 'item', 'row', 'x', 'context', 'loop', 'fetch_data', 'execution_id', 'missing', 'recursive'];
const ATTRS = ['a', 'access_token', 'rows', 'id', 'data', 'items', 'get', 'keys'];
const FILTERS = ['default', 'tojson', 'length', 'lower', 'join', 'int', 'd'];
/**
 * Names called as functions, never bound: Jinja2 says which names a template reads, not at which
 * use, so a name both called and bound (`{% for x in x() %}`) cannot be compared use by use.
 */
const CALLEES = ['f', 'lookup', 'token', 'range'];
const LITERALS = ["'s'", '"t"', '1', '2.5', 'true', 'none', '[1, 2]', "{'k': 1}"];

/** A random expression of depth at most `depth`. */
function expression(r: ReturnType<typeof random>, depth: number): string {
  const leaf = () => {
    const n = r.next();
    if (n < 0.5) {
      let e = r.pick(NAMES);
      const attrs = Math.floor(r.next() * 3);
      for (let k = 0; k < attrs; k++) e += r.next() < 0.8 ? `.${r.pick(ATTRS)}` : `['${r.pick(ATTRS)}']`;
      return e;
    }
    if (n < 0.8) return r.pick(LITERALS);
    return `${r.pick(NAMES)}.${r.pick(['items()', "get('k')", 'keys()'])}`;
  };
  if (depth === 0) return leaf();
  const n = r.next();
  if (n < 0.25) return `${expression(r, depth - 1)} | ${r.pick(FILTERS)}${r.next() < 0.5 ? `(${expression(r, depth - 1)})` : ''}`;
  if (n < 0.4) return `${expression(r, depth - 1)} ${r.pick(['+', '-', '*', '~', '==', '!=', 'and', 'or', 'in', '<', '//', '%'])} ${expression(r, depth - 1)}`;
  if (n < 0.5) return `(${expression(r, depth - 1)})`;
  if (n < 0.58) return `${expression(r, depth - 1)} if ${expression(r, depth - 1)} else ${expression(r, depth - 1)}`;
  if (n < 0.64) return `not ${expression(r, depth - 1)}`;
  if (n < 0.7) return `${expression(r, depth - 1)} is ${r.pick(['defined', 'none', 'string', 'not defined'])}`;
  if (n < 0.76) return `range(${expression(r, depth - 1)})`;
  if (n < 0.8) return `${r.pick(CALLEES)}(${expression(r, depth - 1)}, key=${expression(r, depth - 1)})`;
  if (n < 0.83) return `${r.pick(NAMES)}[${r.pick(['1:', ':2', '1:2', '::2', `${expression(r, depth - 1)}`])}]`;
  if (n < 0.86) return `-${expression(r, depth - 1)} ** 2`;
  if (n < 0.88) return `${expression(r, depth - 1)} is divisibleby ${r.pick(['3', 'x', '(2)'])}`;
  if (n < 0.9) return `'a' 'b' ~ ${expression(r, depth - 1)}`;
  if (n < 0.92) return `f(*${r.pick(NAMES)}, **${r.pick(NAMES)})`;
  return leaf();
}

/** A random template: text, expressions, statements, comments. */
function template(r: ReturnType<typeof random>): string {
  const parts: string[] = [];
  const count = 1 + Math.floor(r.next() * 4);
  for (let k = 0; k < count; k++) {
    const n = r.next();
    const e = () => expression(r, Math.floor(r.next() * 3));
    if (n < 0.45) parts.push(`{{ ${e()} }}`);
    else if (n < 0.55) parts.push(`{%- if ${e()} %}${r.pick(['a', `{{ ${e()} }}`])}{% elif ${e()} %}b{% else %}c{% endif -%}`);
    else if (n < 0.65) parts.push(`{% for ${r.pick(['row', 'k, v', 'i'])} in ${e()} %}{{ ${r.pick(['row', 'k', 'i', 'loop.index', 'v'])} }}{% endfor %}`);
    else if (n < 0.72) parts.push(`{% set ${r.pick(['total', 'n'])} = ${e()} %}{{ ${r.pick(['total', 'n'])} }}`);
    else if (n < 0.76) parts.push(`{# ${e()} #}`);
    else if (n < 0.8) parts.push(`{% raw %}{{ ${r.pick(NAMES)} }}{% endraw %}`);
    else if (n < 0.83) parts.push(`{% macro m(a, b=${e()}) %}{{ a }}{{ ${r.pick(NAMES)} }}{{ caller() if caller }}{% endmacro %}{% call m(${e()}) %}{{ ${r.pick(NAMES)} }}{% endcall %}`);
    else if (n < 0.86) parts.push(`{% with a = ${e()}, b = ${e()} %}{{ a ~ b }}{% set c = a %}{% endwith %}{{ ${r.pick(['a', 'c', 'x'])} }}`);
    else if (n < 0.88) parts.push(`{% set ns = namespace(t=0) %}{% for x in ${e()} %}{% set ns.t = ns.t + x %}{% else %}{{ ${r.pick(['x', 'loop', 'ns.t'])} }}{% endfor %}`);
    else if (n < 0.9) parts.push(`{% set body | upper %}{{ ${e()} }}{% endset %}{% filter lower %}{{ body }}{% endfilter %}`);
    else if (n < 0.92) parts.push(`{% include ${r.pick(["'a.j2'", 'tpl'])} ${r.pick(['', 'ignore missing', 'with context', 'ignore missing without context'])} %}`);
    else if (n < 0.94) parts.push(`{% for row in ${e()} if row.ok recursive %}{{ loop(row.children) }}{% endfor %}`);
    else parts.push(r.pick(['SELECT 1', 'Bearer ', '/items/', ' ', 'a{b}c', '{x}']));
  }
  return parts.join(r.pick(['', ' ', '\n']));
}

/** The template with one random edit: a character deleted, doubled or inserted. */
function mutate(r: ReturnType<typeof random>, t: string): string {
  const at = Math.floor(r.next() * (t.length + 1));
  const n = r.next();
  if (n < 0.4) return t.slice(0, at) + t.slice(at + 1);
  if (n < 0.6) return t.slice(0, at) + t.slice(at, at + 1) + t.slice(at);
  return t.slice(0, at) + r.pick(['{', '}', '%', '(', ')', '[', ']', "'", '"', '|', '.', ',', ' ', 'x', '=']) + t.slice(at);
}

function corpusTemplates(): string[] {
  const out = new Set<string>();
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else if (/\.ya?ml$/.test(e.name)) for (const pb of lintDocuments(new SourceFile(path, readFileSync(path, 'utf8')))) for (const t of pb.templates) out.add(t.value);
    }
  };
  walk(corpusDir('upstream-playbooks'));
  return [...out];
}

describe.skipIf(!hasJinja)('the template scanner agrees with Jinja2', () => {
  it.skipIf(missingShared(corpusDir('upstream-playbooks')))('on every template of the upstream corpus', () => {
    const templates = corpusTemplates();
    expect(templates.length).toBeGreaterThan(700);
    expect(differences(templates)).toEqual([]);
  });

  it('on generated templates, well formed and broken by one edit', () => {
    // NOETL_FUZZ_SEED explores further; the default keeps every run the same.
    const r = random(Number(process.env.NOETL_FUZZ_SEED ?? 17));
    const templates: string[] = [];
    for (let k = 0; k < 3000; k++) {
      const t = template(r);
      templates.push(t, mutate(r, t), mutate(r, mutate(r, t)));
    }
    expect(differences(templates)).toEqual([]);
  });
});
