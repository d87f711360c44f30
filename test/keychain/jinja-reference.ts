/**
 * Python's Jinja2 as a reference for src/core/jinja.ts (see jinja-differential.test.ts):
 * one python3 process renders a whole batch; stand-in contexts for templates whose names are
 * only known at run time (step results, keychain entries, workload keys).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { tokenize } from '../../src/core/jinja/lexer.js';

/**
 * The reference: a NoETL worker's environment (noetl/core/dsl/render.py):
 * `Environment(undefined=StrictUndefined)` plus the `b64encode` filter the worker adds, and
 * the worker's gate (a string without both `{{`/`}}` or both `{%`/`%}` is passed through as
 * written). Each template gets 2 s; JSON in on stdin, JSON out on stdout.
 */
const REFERENCE = String.raw`
import base64, json, signal, sys
from jinja2 import Environment, StrictUndefined
env = Environment(undefined=StrictUndefined)
env.filters['b64encode'] = lambda s: base64.b64encode((s if isinstance(s, str) else str(s)).encode('utf-8')).decode('utf-8')
def timeout(signum, frame):
    raise TimeoutError('took more than 2 s')
signal.signal(signal.SIGALRM, timeout)
results = []
for case in json.load(sys.stdin):
    t = case['template']
    if not (('{{' in t and '}}' in t) or ('{%' in t and '%}' in t)):
        results.append({'ok': True, 'text': t})
        continue
    signal.alarm(2)
    try:
        results.append({'ok': True, 'text': env.from_string(t).render(case['context'])})
    except BaseException as e:
        results.append({'ok': False, 'error': type(e).__name__ + ': ' + str(e)})
    finally:
        signal.alarm(0)
json.dump(results, sys.stdout)
`;

export interface Case {
  template: string;
  context: Record<string, unknown>;
}

export type Outcome = { ok: true; text: string } | { ok: false; error: string };

/**
 * The python3 that has Jinja2: NOETL_TEST_PYTHON, else Debian's /usr/bin/python3 (python3-jinja2,
 * what .ci/run installs), else python3 on PATH. Undefined when none can import jinja2.
 */
export function findPython(): { python: string; version: string } | undefined {
  const candidates = [process.env.NOETL_TEST_PYTHON, '/usr/bin/python3', 'python3'].filter((c): c is string => Boolean(c));
  for (const python of candidates) {
    const r = spawnSync(python, ['-c', 'import jinja2; print(jinja2.__version__)'], { encoding: 'utf8' });
    if (r.status === 0) return { python, version: r.stdout.trim() };
  }
  return undefined;
}

/**
 * JSON for Python with the types our renderer gives the same values: a number is an int only
 * when it is a safe integer (src/core/jinja/values.ts fromJs; bigger integers reach the
 * renderer as bigints from parseJsonExact), so any other number is written as a float.
 */
function toPythonJson(value: unknown): string {
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value)) return String(value);
    if (Number.isNaN(value)) return 'NaN';
    if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
    return value.toExponential();
  }
  if (Array.isArray(value)) return `[${value.map(toPythonJson).join(',')}]`;
  if (value !== null && typeof value === 'object') return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${toPythonJson(v)}`).join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}

/** Renders every case with Jinja2 in one python3 process. */
export function renderWithJinja2(python: string, cases: Case[]): Outcome[] {
  const r = spawnSync(python, ['-c', REFERENCE], { input: toPythonJson(cases), encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`python3 reference failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Outcome[];
}

/** Every string value with template syntax in the corpus's YAML files, with where it came from. */
export function corpusTemplates(root: string): { file: string; template: string }[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.ya?ml$/.test(name)) files.push(path);
    }
  };
  walk(root);
  const out: { file: string; template: string }[] = [];
  for (const file of files) {
    for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
      const collect = (value: unknown): void => {
        if (typeof value === 'string') {
          if (value.includes('{{') || value.includes('{%')) out.push({ file: relative(root, file), template: value });
        } else if (Array.isArray(value)) value.forEach(collect);
        else if (value !== null && typeof value === 'object') Object.values(value).forEach(collect);
      };
      try {
        collect(doc.toJS({ maxAliasCount: -1 }));
      } catch {
        // A document that is not valid YAML has no template strings to compare.
      }
    }
  }
  return out;
}

/** What a template's use of a name says about its value. */
class Shape {
  kind?: 'str' | 'num' | 'list' | 'dict';
  readonly fields = new Map<string, Shape>();
  item?: Shape;
  /** Read somewhere other than under `default` / `is defined`: it must exist. */
  required = false;

  hint(kind: Shape['kind']): void {
    this.kind ??= kind;
  }
  field(name: string): Shape {
    this.hint('dict');
    let f = this.fields.get(name);
    if (!f) this.fields.set(name, (f = new Shape()));
    return f;
  }
  element(): Shape {
    this.hint('list');
    return (this.item ??= new Shape());
  }
}

interface Node {
  type: string;
  [field: string]: unknown;
}

const STR_METHODS = new Set(['upper', 'lower', 'strip', 'lstrip', 'rstrip', 'split', 'rsplit', 'replace', 'startswith', 'endswith', 'find', 'title', 'capitalize', 'format', 'join', 'splitlines', 'count', 'zfill', 'center', 'isdigit', 'isalpha']);
const DICT_METHODS = new Set(['get', 'items', 'keys', 'values']);
const NUM_FILTERS = new Set(['int', 'float', 'round', 'abs', 'filesizeformat']);
const DICT_FILTERS = new Set(['tojson', 'dictsort', 'items', 'xmlattr']);
const LIST_FILTERS = new Set(['length', 'count', 'first', 'last', 'join', 'sort', 'unique', 'list', 'map', 'select', 'reject', 'selectattr', 'rejectattr', 'sum', 'min', 'max', 'batch', 'slice', 'groupby', 'reverse']);
const STR_FILTERS = new Set(['lower', 'upper', 'replace', 'trim', 'title', 'capitalize', 'truncate', 'striptags', 'urlencode', 'b64encode', 'wordcount', 'center', 'indent', 'format', 'escape', 'e']);
const TEST_KINDS: Record<string, Shape['kind']> = { number: 'num', integer: 'num', string: 'str', mapping: 'dict', iterable: 'list', sequence: 'list' };

/** A dict whose content nothing in the template names: values that exercise repr and JSON quoting. */
const SAMPLE_DICT = { id: 7, name: "O'Brien <ops> & co", score: 2.5, active: true, tags: ['a', 'é'], missing: null };

/**
 * A deterministic stand-in context for a template: every name it reads gets a value of the
 * type its use suggests (`x | int` a number, `x.items()` a mapping, `for r in x` a list of
 * what the loop reads of `r`, `x.upper()` a string); a name read only under `default` or
 * `is defined` is left out, so the default applies. Undefined when the template does not parse.
 */
export async function standInContext(template: string): Promise<Record<string, unknown> | undefined> {
  const { parse } = (await import('@huggingface/jinja')) as unknown as { parse(tokens: unknown[]): { body: Node[] } };
  let body: Node[];
  try {
    body = parse(tokenize(template)).body;
  } catch {
    return undefined;
  }
  const roots = new Map<string, Shape>();
  type Env = Map<string, Shape | null>;
  const lookup = (name: string, env: Env[]): Shape | null | undefined => {
    for (let i = env.length - 1; i >= 0; i--) if (env[i].has(name)) return env[i].get(name);
    return undefined;
  };
  const CONSTANTS = new Set(['true', 'false', 'none', 'True', 'False', 'None', 'range', 'dict', 'namespace', 'loop']);

  /** The shape of the value `node` denotes when it is a path into the context; `strict` when it must exist. */
  const expr = (node: Node | undefined | null, env: Env[], strict = true): Shape | undefined => {
    if (!node || typeof node !== 'object') return undefined;
    switch (node.type) {
      case 'Identifier': {
        const name = node.value as string;
        if (CONSTANTS.has(name)) return undefined;
        const bound = lookup(name, env);
        if (bound !== undefined) return bound ?? undefined;
        let shape = roots.get(name);
        if (!shape) roots.set(name, (shape = new Shape()));
        if (strict) shape.required = true;
        return shape;
      }
      case 'MemberExpression': {
        const base = expr(node.object as Node, env);
        const property = node.property as Node;
        if (node.computed && property.type !== 'StringLiteral' && property.type !== 'IntegerLiteral') {
          if (property.type !== 'SliceExpression') expr(property, env);
          return undefined;
        }
        if (!base) return undefined;
        if (property.type === 'IntegerLiteral') return base.element();
        // A method name read without a call (`drain.count`, `item.title`) is a field of the data.
        const f = base.field(property.value as string);
        if (strict) f.required = true;
        return f;
      }
      case 'CallExpression': {
        const callee = node.callee as Node;
        const args = node.args as Node[];
        args.forEach((a) => expr(a.type === 'KeywordArgumentExpression' ? (a.value as Node) : a, env));
        if (callee.type === 'MemberExpression' && !callee.computed) {
          const method = (callee.property as Node).value as string;
          const base = expr(callee.object as Node, env);
          if (base && STR_METHODS.has(method)) base.hint('str');
          if (base && DICT_METHODS.has(method)) {
            base.hint('dict');
            if (method === 'get' && args[0]?.type === 'StringLiteral') return base.field(args[0].value as string);
          }
          return undefined;
        }
        expr(callee, env);
        return undefined;
      }
      case 'FilterExpression': {
        const filter = node.filter as Node;
        const named = filter.type === 'CallExpression' ? (filter.callee as Node) : filter;
        const name = named.value as string;
        if (filter.type === 'CallExpression') (filter.args as Node[]).forEach((a) => expr(a.type === 'KeywordArgumentExpression' ? (a.value as Node) : a, env));
        const lenient = name === 'default' || name === 'd' || name.startsWith('is ');
        const shape = expr(node.operand as Node, env, !lenient);
        if (shape) {
          if (NUM_FILTERS.has(name)) shape.hint('num');
          if (DICT_FILTERS.has(name)) shape.hint('dict');
          if (LIST_FILTERS.has(name)) shape.hint('list');
          if (STR_FILTERS.has(name)) shape.hint('str');
          const test = name.replace(/^is (not )?/, '');
          if (name.startsWith('is ') && TEST_KINDS[test]) shape.hint(TEST_KINDS[test]);
        }
        return name === 'default' || name === 'd' ? shape : undefined;
      }
      case 'BinaryExpression': {
        const left = expr(node.left as Node, env);
        const right = expr(node.right as Node, env);
        const op = (node.operator as { value: string }).value;
        const literalKind = (n: Node): Shape['kind'] =>
          n.type === 'IntegerLiteral' || n.type === 'FloatLiteral' ? 'num' : n.type === 'StringLiteral' ? 'str' : n.type === 'ArrayLiteral' ? 'list' : n.type === 'ObjectLiteral' ? 'dict' : undefined;
        if (op !== '~' && op !== 'in' && op !== 'not in' && op !== 'and') {
          if (left) left.hint(literalKind(node.right as Node));
          if (right) right.hint(literalKind(node.left as Node));
          // `(x or []) + [1]`: x is a list too.
          for (const [side, other] of [[node.left, node.right], [node.right, node.left]] as [Node, Node][]) {
            if (side.type === 'BinaryExpression' && (side.operator as { value: string }).value === 'or') {
              const inner = expr(side.left as Node, env);
              inner?.hint(literalKind(other) ?? literalKind(side.right as Node));
            }
          }
        }
        return op === 'or' ? (left ?? right) : undefined;
      }
      default:
        for (const [key, child] of Object.entries(node)) {
          if (key === 'type') continue;
          if (Array.isArray(child)) child.forEach((c) => expr(c as Node, env));
          else if (child instanceof Map) for (const [k, v] of child) (expr(k as Node, env), expr(v as Node, env));
          else if (child && typeof child === 'object') expr(child as Node, env);
        }
        return undefined;
    }
  };

  const bindTarget = (target: Node, shape: Shape | undefined, scope: Env) => {
    if (target.type === 'Identifier') scope.set(target.value as string, shape ?? null);
    else if (target.type === 'TupleLiteral') for (const t of target.value as Node[]) bindTarget(t, undefined, scope);
  };

  const statements = (nodes: Node[], env: Env[]) => {
    for (const node of nodes) statement(node, env);
  };
  const statement = (node: Node, env: Env[]): void => {
    switch (node.type) {
      case 'If':
        expr(node.test as Node, env);
        statements(node.body as Node[], env);
        statements(node.alternate as Node[], env);
        return;
      case 'For': {
        let iterable = node.iterable as Node;
        let condition: Node | undefined;
        if (iterable.type === 'SelectExpression') {
          condition = iterable.test as Node;
          iterable = iterable.lhs as Node;
        }
        const list = expr(iterable, env);
        const scope: Env = new Map([['loop', null]]);
        bindTarget(node.loopvar as Node, list?.element(), scope);
        if (condition) expr(condition, [...env, scope]);
        statements(node.body as Node[], [...env, scope]);
        statements(node.defaultBlock as Node[], env);
        return;
      }
      case 'Set':
        if (node.value) expr(node.value as Node, env);
        else statements(node.body as Node[], env);
        if ((node.assignee as Node).type === 'MemberExpression') expr(((node.assignee as Node).object as Node) ?? null, env);
        else bindTarget(node.assignee as Node, undefined, env[env.length - 1]);
        return;
      case 'Macro': {
        env[env.length - 1].set((node.name as Node).value as string, null);
        const scope: Env = new Map([
          ['varargs', null],
          ['kwargs', null],
          ['caller', null],
        ]);
        for (const p of node.args as Node[]) scope.set((p.type === 'Identifier' ? p.value : (p.key as Node).value) as string, null);
        statements(node.body as Node[], [...env, scope]);
        return;
      }
      default:
        expr(node, env);
    }
  };
  statements(body, [new Map()]);

  const value = (shape: Shape, name: string, depth: number): unknown => {
    const kind = shape.kind ?? (shape.fields.size > 0 ? 'dict' : shape.item ? 'list' : 'str');
    if (depth > 8) return `${name}-value`;
    switch (kind) {
      case 'num':
        return 42;
      case 'list': {
        const item = shape.item ?? new Shape();
        return [value(item, `${name}-1`, depth + 1), value(item, `${name}-2`, depth + 1)];
      }
      case 'dict': {
        if (shape.fields.size === 0) return { ...SAMPLE_DICT };
        const out: Record<string, unknown> = {};
        for (const [k, f] of shape.fields) if (f.required) out[k] = value(f, k, depth + 1);
        return out;
      }
      default:
        return `${name}-value`;
    }
  };
  const context: Record<string, unknown> = {};
  for (const [name, shape] of roots) if (shape.required) context[name] = value(shape, name, 0);
  return context;
}
