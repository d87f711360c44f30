/**
 * Evaluates the syntax tree @huggingface/jinja's parser builds (from our lexer's tokens) with
 * Jinja2's semantics: StrictUndefined, Python values (values.ts), Jinja2's scoping (a fresh
 * scope per loop iteration, per macro call; `set` in an `if` stays in the enclosing scope),
 * its filters and tests (filters.ts). The engine's own interpreter is not used: its values
 * follow JavaScript's rules (`'a' + 1`, `[object Object]`, `true`).
 */
import { TEMPLATE_LIMITS, TemplateError } from './common.js';
import { FILTERS, TESTS, type FilterEnv } from './filters.js';
import { TEST_PREFIX, TUPLE_CALL, WITH_PREFIX } from './lexer.js';
import { getattr, getitem, getslice } from './objects.js';
import {
  arithmetic,
  Callable,
  charge,
  checkString,
  compare,
  contains,
  dictKey,
  iterate,
  PyObject,
  Range,
  repr,
  reveal,
  str,
  truthy,
  Tuple,
  typeName,
  unary,
  Undefined,
  undefinedError,
  type Dict,
  type Value,
} from './values.js';

/** A node of the engine's syntax tree (it does not export its node classes). */
export interface Node {
  type: string;
  [field: string]: unknown;
}
const field = <T = Node>(node: Node, name: string) => node[name] as T;

export class Scope {
  readonly vars = new Map<string, Value>();
  /**
   * Names this frame assigns itself before it reads them (see pendingNames) and has not assigned
   * yet: a nested frame (loop body, macro, with, filter block) that reads one gets undefined,
   * not the enclosing value, as in Jinja2.
   */
  readonly pending = new Set<string>();
  /** The names a frame's own code reads or assigns (Jinja2's symbol references), when this scope is a frame. */
  refs?: Set<string>;
  constructor(readonly parent?: Scope) {}
  /** The value bound to `name` here or in an enclosing scope (None is a value: only a missing name is undefined). */
  lookup(name: string): Value | undefined {
    for (let s: Scope | undefined = this; s; s = s.parent) {
      if (s.vars.has(name)) return s.vars.get(name) as Value;
      if (s !== this && s.pending.has(name)) return undefined;
    }
    return undefined;
  }
}

/** The names a frame for `body` refers to, with those it starts bound (loop variables, macro parameters). */
function frameRefs(body: Node[], bound: string[]): Set<string> {
  return new Set([...frameInfo(body).refs, ...bound]);
}

/** A frame for `body` (see Scope.pending), referring to `refs` (frameRefs; by default what the body itself names). */
export function frame(body: Node[], parent: Scope, refs: Set<string> = frameInfo(body).refs): Scope {
  const scope = new Scope(parent);
  const info = frameInfo(body);
  scope.refs = refs;
  const enclosingRef = (name: string) => {
    for (let s: Scope | undefined = parent; s; s = s.parent) if (s.refs?.has(name)) return true;
    return false;
  };
  for (const name of info.pending) if (!enclosingRef(name)) scope.pending.add(name);
  return scope;
}

const FRAMES = new WeakMap<Node[], { pending: Set<string>; refs: Set<string> }>();

/**
 * Jinja2's symbol analysis (idtracking.py), as far as it shows: walking a frame's body in
 * order, a name whose first occurrence in the frame itself is an assignment by a `set` or
 * `macro` directly in the body (not in an `if`) starts undefined for nested frames, unless an
 * enclosing frame refers to that name (then it is that frame's variable until assigned); a
 * name the frame reads first is resolved from outside until assigned. Reads in nested frames
 * (loop and macro bodies, call and filter blocks) do not count.
 */
function frameInfo(body: Node[]): { pending: Set<string>; refs: Set<string> } {
  const cached = FRAMES.get(body);
  if (cached) return cached;
  const read = new Set<string>();
  const pending = new Set<string>();
  const reads = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(reads);
    if (value instanceof Map) {
      for (const [k, v] of value) (reads(k), reads(v));
      return;
    }
    if (value === null || typeof value !== 'object' || typeof (value as Node).type !== 'string') return;
    const node = value as Node;
    switch (node.type) {
      case 'Identifier':
        read.add(field<string>(node, 'value'));
        return;
      case 'If':
        reads(node.test);
        inFrame(field<Node[]>(node, 'body'), false);
        inFrame(field<Node[]>(node, 'alternate'), false);
        return;
      case 'For':
        return reads(field(node, 'iterable').type === 'SelectExpression' ? field(field(node, 'iterable'), 'lhs') : node.iterable);
      case 'Set':
        return reads(node.value);
      case 'Macro':
        return;
      case 'CallStatement':
        return reads(field(node, 'call'));
      case 'FilterStatement':
        return reads(node.filter);
      default:
        for (const [key, child] of Object.entries(node)) if (key !== 'type') reads(child);
    }
  };
  const stores = (target: Node): string[] =>
    target.type === 'Identifier' ? [field<string>(target, 'value')] : target.type === 'TupleLiteral' ? field<Node[]>(target, 'value').flatMap(stores) : [];
  const inFrame = (nodes: Node[], direct: boolean) => {
    for (const node of nodes) {
      reads(node);
      const assigned = node.type === 'Set' ? stores(field(node, 'assignee')) : node.type === 'Macro' ? [field<string>(field(node, 'name'), 'value')] : [];
      if (direct) for (const name of assigned) if (!read.has(name)) pending.add(name);
      assigned.forEach((name) => read.add(name));
    }
  };
  inFrame(body, true);
  const info = { pending, refs: read };
  FRAMES.set(body, info);
  return info;
}

const CONSTANTS = new Map<string, Value>([
  ['true', true],
  ['false', false],
  ['none', null],
  ['True', true],
  ['False', false],
  ['None', null],
]);

/** A Jinja2 namespace: attributes a template may set with `{% set ns.x = … %}`. */
export class Namespace extends PyObject {
  readonly typeName = 'Namespace';
  constructor(readonly attrs: Map<string, Value>) {
    super();
  }
  override getAttr(name: string): Value | undefined {
    return this.attrs.get(name);
  }
  repr(): string {
    return `<Namespace ${repr(new Map(this.attrs))}>`;
  }
}

/** The `loop` variable inside a for loop. */
class Loop extends PyObject {
  readonly typeName = 'LoopContext';
  constructor(
    private readonly index0: number,
    private readonly items: Value[],
    /** What `loop.changed()` last saw, shared by the iterations of one loop. */
    private readonly state: { lastChanged?: Value[] },
  ) {
    super();
  }
  override getAttr(name: string): Value | undefined {
    const n = this.items.length;
    const i = this.index0;
    switch (name) {
      case 'index':
        return BigInt(i + 1);
      case 'index0':
        return BigInt(i);
      case 'revindex':
        return BigInt(n - i);
      case 'revindex0':
        return BigInt(n - i - 1);
      case 'first':
        return i === 0;
      case 'last':
        return i === n - 1;
      case 'length':
        return BigInt(n);
      case 'depth':
        return 1n;
      case 'depth0':
        return 0n;
      case 'previtem':
        return i > 0 ? this.items[i - 1] : new Undefined('loop.previtem');
      case 'nextitem':
        return i < n - 1 ? this.items[i + 1] : new Undefined('loop.nextitem');
      case 'cycle':
        return new Callable('cycle', (args) => {
          if (args.length === 0) throw new TemplateError('no items for cycling given');
          return args[i % args.length];
        });
      case 'changed':
        return new Callable('changed', (args) => {
          const last = this.state.lastChanged;
          if (last !== undefined && last.length === args.length && args.every((a, k) => compare('==', a, last[k]))) return false;
          this.state.lastChanged = args;
          return true;
        });
      default:
        return undefined;
    }
  }
  repr(): string {
    return `<LoopContext ${this.index0 + 1}/${this.items.length}>`;
  }
}

/** The globals of a Jinja2 Environment a sandbox allows: range, dict, namespace. */
export function globalScope(): Scope {
  const scope = new Scope();
  scope.vars.set(
    'range',
    new Callable('range', (args, kwargs) => {
      if (kwargs.size > 0) throw new TemplateError('range() takes no keyword arguments');
      if (args.length === 0 || args.length > 3) throw new TemplateError(`range expected at most 3 arguments, got ${args.length}`);
      const ints = args.map((a) => {
        const v = reveal(a);
        if (v instanceof Undefined) throw undefinedError(v);
        if (typeof v !== 'bigint' && typeof v !== 'boolean') throw new TemplateError(`'${typeName(v)}' object cannot be interpreted as an integer`);
        return typeof v === 'boolean' ? BigInt(v) : v;
      });
      const [start, stop, step] = ints.length === 1 ? [0n, ints[0], 1n] : [ints[0], ints[1], ints[2] ?? 1n];
      if (step === 0n) throw new TemplateError('range() arg 3 must not be zero');
      return new Range(start, stop, step);
    }, "<class 'range'>"),
  );
  scope.vars.set(
    'dict',
    new Callable('dict', (args, kwargs) => {
      if (args.length > 1) throw new TemplateError(`dict expected at most 1 argument, got ${args.length}`);
      const out: Dict = new Map();
      if (args.length === 1) {
        const source = reveal(args[0]);
        if (source instanceof Map) for (const [k, v] of source) out.set(k, v);
        else for (const pair of iterate(source)) {
          const items = iterate(pair);
          if (items.length !== 2) throw new TemplateError(`dictionary update sequence element has length ${items.length}; 2 is required`);
          out.set(dictKey(items[0]), items[1]);
        }
      }
      for (const [k, v] of kwargs) out.set(k, v);
      return out;
    }, "<class 'dict'>"),
  );
  scope.vars.set(
    'namespace',
    new Callable('namespace', (args, kwargs) => {
      const attrs = new Map<string, Value>();
      if (args.length > 1) throw new TemplateError(`namespace expected at most 1 argument, got ${args.length}`);
      if (args.length === 1) {
        const source = reveal(args[0]);
        const pairs = source instanceof Map ? [...source] : iterate(source).map((pair) => iterate(pair) as [Value, Value]);
        for (const [k, v] of pairs) attrs.set(str(k), v);
      }
      for (const [k, v] of kwargs) attrs.set(k, v);
      return new Namespace(attrs);
    }, "<class 'jinja2.utils.Namespace'>"),
  );
  // `(x,)` and `()`: the lexer writes a one-item or empty tuple as a call of this (a name no template can write).
  scope.vars.set(TUPLE_CALL, new Callable('tuple', (args) => new Tuple(args)));
  return scope;
}

/** One template's evaluation: counts steps and depth, and notes the undefined names `default` and `is defined` covered. */
export class Interpreter implements FilterEnv {
  private steps = 0;
  private depth = 0;
  readonly coveredNames = new Set<string>();

  /** What a top-level piece (text, `{{ … }}`, `{% … %}`) prints. */
  output(node: Node, scope: Scope): string {
    if (++this.steps > TEMPLATE_LIMITS.steps) throw new TemplateError(`it takes more than ${TEMPLATE_LIMITS.steps} steps`);
    switch (node.type) {
      case 'StringLiteral':
        return field<string>(node, 'value');
      case 'If':
        return this.block(truthy(this.evaluate(field(node, 'test'), scope)) ? field<Node[]>(node, 'body') : field<Node[]>(node, 'alternate'), scope);
      case 'For':
        return this.loop(node, scope);
      case 'Set':
        this.assign(node, scope);
        return '';
      case 'Macro':
        this.defineMacro(node, scope);
        return '';
      case 'CallStatement':
        return str(this.callBlock(node, scope));
      case 'FilterStatement': {
        const body = field<Node[]>(node, 'body');
        return str(this.applyFilter(this.block(body, frame(body, scope)), field(node, 'filter'), scope));
      }
      case 'Comment':
        return '';
      case 'Break':
      case 'Continue':
        throw new TemplateError(`Encountered unknown tag '${node.type.toLowerCase()}'`);
      default:
        return checkString(str(this.evaluate(node, scope)));
    }
  }

  block(nodes: Node[], scope: Scope): string {
    let out = '';
    for (const node of nodes) out = checkString(out + this.output(node, scope));
    return out;
  }

  evaluate(node: Node, scope: Scope): Value {
    if (++this.steps > TEMPLATE_LIMITS.steps) throw new TemplateError(`it takes more than ${TEMPLATE_LIMITS.steps} steps`);
    switch (node.type) {
      case 'Identifier': {
        const name = field<string>(node, 'value');
        if (CONSTANTS.has(name)) return CONSTANTS.get(name)!;
        const value = scope.lookup(name);
        return value === undefined ? new Undefined(name) : value;
      }
      case 'IntegerLiteral':
        return BigInt(field<number>(node, 'value'));
      case 'FloatLiteral':
        return field<number>(node, 'value');
      case 'StringLiteral':
        return field<string>(node, 'value');
      case 'ArrayLiteral':
        return field<Node[]>(node, 'value').map((n) => this.evaluate(n, scope));
      case 'TupleLiteral':
        return new Tuple(field<Node[]>(node, 'value').map((n) => this.evaluate(n, scope)));
      case 'ObjectLiteral': {
        const map: Dict = new Map();
        for (const [k, v] of field<Map<Node, Node>>(node, 'value')) map.set(dictKey(this.evaluate(k, scope)), this.evaluate(v, scope));
        return map;
      }
      case 'MemberExpression':
        return this.member(node, scope);
      case 'CallExpression': {
        const callee = reveal(this.evaluate(field(node, 'callee'), scope));
        const { positional, keyword } = this.callArguments(field<Node[]>(node, 'args'), scope);
        if (callee instanceof Undefined) throw undefinedError(callee);
        if (!(callee instanceof Callable)) throw new TemplateError(`'${typeName(callee)}' object is not callable`);
        return this.call(callee, positional, keyword);
      }
      case 'FilterExpression':
        return this.applyFilter(this.evaluate(field(node, 'operand'), scope), field(node, 'filter'), scope);
      case 'TestExpression': {
        const name = field<string>(field(node, 'test'), 'value');
        const result = this.test(name, this.evaluate(field(node, 'operand'), scope), [], new Map());
        return field<boolean>(node, 'negate') ? !result : result;
      }
      case 'BinaryExpression':
        return this.binary(node, scope);
      case 'UnaryExpression': {
        const op = field<{ value: string }>(node, 'operator').value;
        const operand = this.evaluate(field(node, 'argument'), scope);
        return op === 'not' ? !truthy(operand) : unary(op, operand);
      }
      case 'Ternary':
        return truthy(this.evaluate(field(node, 'condition'), scope)) ? this.evaluate(field(node, 'trueExpr'), scope) : this.evaluate(field(node, 'falseExpr'), scope);
      case 'SelectExpression':
        return truthy(this.evaluate(field(node, 'test'), scope)) ? this.evaluate(field(node, 'lhs'), scope) : new Undefined('the condition of an if expression without else', true);
      default:
        throw new TemplateError(`unexpected ${node.type} in an expression`);
    }
  }

  private member(node: Node, scope: Scope): Value {
    const object = this.evaluate(field(node, 'object'), scope);
    const property = field(node, 'property');
    if (field<boolean>(node, 'computed')) {
      if (property.type === 'SliceExpression') {
        const bound = (name: string) => {
          const n = property[name] as Node | undefined;
          return n === undefined ? null : this.evaluate(n, scope);
        };
        return getslice(object, bound('start'), bound('stop'), bound('step'));
      }
      return getitem(object, this.evaluate(property, scope), describe(node));
    }
    if (property.type === 'IntegerLiteral') return getitem(object, BigInt(field<number>(property, 'value')), describe(node));
    return getattr(object, field<string>(property, 'value'), describe(node));
  }

  private callArguments(args: Node[], scope: Scope): { positional: Value[]; keyword: Map<string, Value> } {
    const positional: Value[] = [];
    const keyword = new Map<string, Value>();
    const addKeyword = (key: string, value: Value) => {
      if (keyword.has(key)) throw new TemplateError(`got multiple values for keyword argument '${key}'`);
      keyword.set(key, value);
    };
    for (const a of args) {
      if (a.type === 'KeywordArgumentExpression') {
        addKeyword(field<string>(field(a, 'key'), 'value'), this.evaluate(field(a, 'value'), scope));
      } else if (a.type === 'SpreadExpression') {
        positional.push(...iterate(this.evaluate(field(a, 'argument'), scope)));
      } else if (a.type === 'KeywordSpreadExpression') {
        const mapping = reveal(this.evaluate(field(a, 'argument'), scope));
        if (!(mapping instanceof Map)) throw new TemplateError(`argument after ** must be a mapping, not ${typeName(mapping)}`);
        for (const [k, v] of mapping) {
          if (typeof k !== 'string') throw new TemplateError('keywords must be strings');
          addKeyword(k, v);
        }
      } else {
        positional.push(this.evaluate(a, scope));
      }
    }
    return { positional, keyword };
  }

  private call(callee: Callable, args: Value[], kwargs: Map<string, Value>): Value {
    if (++this.depth > TEMPLATE_LIMITS.depth) throw new TemplateError('it nests too deeply');
    try {
      return callee.call(args, kwargs);
    } finally {
      this.depth--;
    }
  }

  private applyFilter(operand: Value, filterNode: Node, scope: Scope): Value {
    const named = filterNode.type === 'CallExpression' ? field(filterNode, 'callee') : filterNode;
    if (named.type !== 'Identifier') throw new TemplateError('expected a filter name');
    const name = field<string>(named, 'value');
    const { positional, keyword } = filterNode.type === 'CallExpression' ? this.callArguments(field<Node[]>(filterNode, 'args'), scope) : { positional: [], keyword: new Map<string, Value>() };
    if (name.startsWith(TEST_PREFIX)) {
      const negate = name.startsWith(`${TEST_PREFIX}not `);
      const result = this.test(name.slice(TEST_PREFIX.length + (negate ? 4 : 0)), operand, positional, keyword);
      return negate ? !result : result;
    }
    return this.filter(name, operand, positional, keyword);
  }

  filter(name: string, value: Value, args: Value[], kwargs: Map<string, Value>): Value {
    const f = FILTERS.get(name);
    if (!f) throw new TemplateError(`no filter named '${name}'`);
    charge(value);
    const result = f(this, value, args, kwargs, name);
    charge(result);
    return result;
  }

  test(name: string, value: Value, args: Value[], kwargs: Map<string, Value>): boolean {
    const t = TESTS.get(name);
    if (!t) throw new TemplateError(`no test named '${name}'`);
    return t(this, value, args, kwargs, name);
  }

  covered(value: Undefined): void {
    this.coveredNames.add(value.name);
  }

  private binary(node: Node, scope: Scope): Value {
    const op = field<{ value: string }>(node, 'operator').value;
    if (COMPARISONS.has(op) && chained(node)) return this.chain(node, scope);
    const left = this.evaluate(field(node, 'left'), scope);
    if (op === 'and') return truthy(left) ? this.evaluate(field(node, 'right'), scope) : left;
    if (op === 'or') return truthy(left) ? left : this.evaluate(field(node, 'right'), scope);
    const right = this.evaluate(field(node, 'right'), scope);
    switch (op) {
      case 'in':
        return contains(right, left);
      case 'not in':
        return !contains(right, left);
      case '==':
      case '!=':
      case '<':
      case '>':
      case '<=':
      case '>=':
        return compare(op, left, right);
      default:
        return arithmetic(op, left, right);
    }
  }

  /** `a < b <= c`: Python's chain, `a < b and b <= c` with b evaluated once, stopping at the first false. */
  private chain(node: Node, scope: Scope): boolean {
    const operands: Node[] = [];
    const ops: string[] = [];
    let current = node;
    for (;;) {
      operands.unshift(field(current, 'right'));
      ops.unshift(field<{ value: string }>(current, 'operator').value);
      if (!chained(current)) break;
      current = field(current, 'left');
    }
    operands.unshift(field(current, 'left'));
    let left = this.evaluate(operands[0], scope);
    for (let i = 0; i < ops.length; i++) {
      const right = this.evaluate(operands[i + 1], scope);
      const holds = ops[i] === 'in' ? contains(right, left) : ops[i] === 'not in' ? !contains(right, left) : compare(ops[i], left, right);
      if (!holds) return false;
      left = right;
    }
    return true;
  }

  private loop(node: Node, scope: Scope): string {
    let iterableNode = field(node, 'iterable');
    let condition: Node | undefined;
    if (iterableNode.type === 'SelectExpression') {
      condition = field(iterableNode, 'test');
      iterableNode = field(iterableNode, 'lhs');
    }
    const target = field(node, 'loopvar');
    let items = iterate(this.evaluate(iterableNode, scope));
    if (condition) {
      items = items.filter((item) => {
        const inner = new Scope(scope);
        this.bind(target, item, inner);
        return truthy(this.evaluate(condition, inner));
      });
    }
    if (items.length === 0) return this.block(field<Node[]>(node, 'defaultBlock'), scope);
    let out = '';
    const state = {};
    const body = field<Node[]>(node, 'body');
    const refs = frameRefs(body, ['loop', ...targetNames(target)]);
    items.forEach((item, i) => {
      const inner = frame(body, scope, refs);
      inner.vars.set('loop', new Loop(i, items, state));
      this.bind(target, item, inner);
      out = checkString(out + this.block(body, inner));
    });
    return out;
  }

  /** Binds a loop or `set` target (a name or a tuple of targets) to a value, unpacking as Python does. */
  private bind(target: Node, value: Value, scope: Scope): void {
    if (target.type === 'Identifier') {
      scope.vars.set(field<string>(target, 'value'), value);
      return;
    }
    if (target.type !== 'TupleLiteral') throw new TemplateError(`cannot assign to ${target.type}`);
    const targets = field<Node[]>(target, 'value');
    const items = iterate(value);
    if (items.length > targets.length) throw new TemplateError(`too many values to unpack (expected ${targets.length})`);
    if (items.length < targets.length) throw new TemplateError(`not enough values to unpack (expected ${targets.length}, got ${items.length})`);
    targets.forEach((t, i) => this.bind(t, items[i], scope));
  }

  private assign(node: Node, scope: Scope): void {
    const valueNode = node.value as Node | null;
    const value = valueNode ? this.evaluate(valueNode, scope) : this.block(field<Node[]>(node, 'body'), scope);
    const target = field(node, 'assignee');
    if (target.type === 'MemberExpression' && !field<boolean>(target, 'computed')) {
      const object = reveal(this.evaluate(field(target, 'object'), scope));
      if (!(object instanceof Namespace)) throw new TemplateError('cannot assign attribute on non-namespace object');
      object.attrs.set(field<string>(field(target, 'property'), 'value'), value);
      return;
    }
    this.bind(target, value, scope);
  }

  private defineMacro(node: Node, scope: Scope): void {
    const name = field<string>(field(node, 'name'), 'value');
    scope.vars.set(name, this.macro(name, field<Node[]>(node, 'args'), field<Node[]>(node, 'body'), scope));
  }

  /**
   * A macro (or a call block's `caller`, or a `with` body): parameters with defaults,
   * varargs/kwargs/caller when the body uses them (never in a `with` body, which is no macro in Jinja2).
   */
  private macro(name: string, params: Node[], body: Node[], definedIn: Scope): Callable {
    const uses = name.startsWith(WITH_PREFIX) ? new Set<string>() : usedNames(body);
    const descriptors = params.map((p) =>
      p.type === 'Identifier' ? { name: field<string>(p, 'value'), fallback: undefined } : { name: field<string>(field(p, 'key'), 'value'), fallback: field(p, 'value') },
    );
    const refs = frameRefs(body, [...descriptors.map((d) => d.name), ...['varargs', 'kwargs', 'caller'].filter((n) => uses.has(n))]);
    return new Callable(name, (args, kwargs) => {
      const scope = frame(body, definedIn, refs);
      const keywords = new Map(kwargs);
      const caller = keywords.get('caller');
      // Only a macro that reads `caller` takes one; one that catches kwargs keeps it there.
      if (uses.has('caller')) keywords.delete('caller');
      else if (keywords.has('caller') && !uses.has('kwargs')) throw new TemplateError(`macro '${name}' was invoked with two values for the special caller argument`);
      const pending: { name: string; fallback: Node }[] = [];
      descriptors.forEach((d, i) => {
        let value: Value | undefined = args[i];
        if (value === undefined && keywords.has(d.name)) {
          value = keywords.get(d.name)!;
          keywords.delete(d.name);
        } else if (value !== undefined && keywords.has(d.name)) {
          throw new TemplateError(`macro '${name}' got multiple values for argument '${d.name}'`);
        }
        if (value === undefined && d.fallback) pending.push({ name: d.name, fallback: d.fallback });
        scope.vars.set(d.name, value === undefined ? new Undefined(d.name) : value);
      });
      for (const p of pending) scope.vars.set(p.name, this.evaluate(p.fallback, scope));
      if (args.length > descriptors.length) {
        if (!uses.has('varargs')) throw new TemplateError(`macro '${name}' takes not more than ${descriptors.length} argument(s)`);
      }
      if (uses.has('varargs')) scope.vars.set('varargs', new Tuple(args.slice(descriptors.length)));
      if (keywords.size > 0 && !uses.has('kwargs')) throw new TemplateError(`macro '${name}' takes no keyword argument '${[...keywords.keys()][0]}'`);
      if (uses.has('kwargs')) scope.vars.set('kwargs', new Map(keywords));
      if (uses.has('caller')) scope.vars.set('caller', caller ?? new Undefined('caller'));
      return this.block(body, scope);
    }, name === 'caller' ? '<Macro anonymous>' : `<Macro '${name}'>`);
  }

  private callBlock(node: Node, scope: Scope): Value {
    const call = field(node, 'call');
    const callee = reveal(this.evaluate(field(call, 'callee'), scope));
    if (callee instanceof Undefined) throw undefinedError(callee);
    if (!(callee instanceof Callable)) throw new TemplateError(`'${typeName(callee)}' object is not callable`);
    const { positional, keyword } = this.callArguments(field<Node[]>(call, 'args'), scope);
    keyword.set('caller', this.macro('caller', (node.callerArgs as Node[] | null) ?? [], field<Node[]>(node, 'body'), scope));
    return this.call(callee, positional, keyword);
  }
}

const COMPARISONS = new Set(['==', '!=', '<', '>', '<=', '>=', 'in', 'not in']);

/** Whether a comparison continues one on its left written without brackets (`a < b < c`). */
function chained(node: Node): boolean {
  const left = field(node, 'left');
  if (left.type !== 'BinaryExpression') return false;
  const inner = field<{ value: string; depth?: number }>(left, 'operator');
  const outer = field<{ depth?: number }>(node, 'operator');
  return COMPARISONS.has(inner.value) && inner.depth !== undefined && inner.depth === outer.depth;
}

/**
 * Jinja2's `~` binds tighter than `+` and `-` (`1 + 2 ~ 3` is `1 + (2 ~ 3)`); the engine's
 * parser gives them one level. Rotates `(a + b) ~ c` (no brackets around `a + b`) to `a + (b ~ c)`.
 */
export function fixConcatPrecedence(value: unknown): void {
  if (Array.isArray(value)) return value.forEach(fixConcatPrecedence);
  if (value instanceof Map) {
    for (const [k, v] of value) (fixConcatPrecedence(k), fixConcatPrecedence(v));
    return;
  }
  if (value === null || typeof value !== 'object' || typeof (value as Node).type !== 'string') return;
  const node = value as Node;
  for (const child of Object.values(node)) fixConcatPrecedence(child);
  if (node.type !== 'BinaryExpression') return;
  const operator = field<{ value: string; depth?: number }>(node, 'operator');
  const left = field(node, 'left');
  if (operator.value !== '~' || left.type !== 'BinaryExpression') return;
  const inner = field<{ value: string; depth?: number }>(left, 'operator');
  if ((inner.value !== '+' && inner.value !== '-') || inner.depth === undefined || inner.depth !== operator.depth) return;
  const concat = { type: 'BinaryExpression', operator, left: field(left, 'right'), right: field(node, 'right') };
  fixConcatPrecedence(concat);
  node.operator = inner;
  node.left = field(left, 'left');
  node.right = concat;
}

/** The names a loop or `set` target binds. */
function targetNames(target: Node): string[] {
  return target.type === 'Identifier' ? [field<string>(target, 'value')] : target.type === 'TupleLiteral' ? field<Node[]>(target, 'value').flatMap(targetNames) : [];
}

/** Names a macro body reads (to know whether it takes varargs, kwargs or a caller). */
function usedNames(body: Node[]): Set<string> {
  const names = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value instanceof Map) for (const [k, v] of value) (visit(k), visit(v));
    else if (value !== null && typeof value === 'object' && typeof (value as Node).type === 'string') {
      const node = value as Node;
      if (node.type === 'Identifier') names.add(field<string>(node, 'value'));
      for (const child of Object.values(node)) visit(child);
    }
  };
  visit(body);
  return names;
}

/** A node's source-like text for messages: `keychain.other`, `items[0]`, `f(…).x`, `''.constructor`. */
export function describe(node: Node): string {
  switch (node.type) {
    case 'Identifier':
      return field<string>(node, 'value');
    case 'MemberExpression': {
      const object = describe(field(node, 'object'));
      const property = field(node, 'property');
      const value = property.value;
      if (!field<boolean>(node, 'computed')) return `${object}.${String(value)}`;
      if (property.type === 'StringLiteral') return /^[A-Za-z_]\w*$/.test(String(value)) ? `${object}.${String(value)}` : `${object}['${String(value)}']`;
      return property.type === 'IntegerLiteral' ? `${object}[${String(value)}]` : `${object}[…]`;
    }
    case 'CallExpression':
      return `${describe(field(node, 'callee'))}(…)`;
    case 'StringLiteral':
      return `'${String(node.value).replace(/\s+/g, ' ').slice(0, 40)}'`;
    default:
      return '…';
  }
}

