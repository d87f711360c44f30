/**
 * The values a template computes with, and Python's rules for them, as Jinja2 applies them.
 *
 * Python types map to JavaScript ones that cannot be confused: str → string, int → bigint
 * (exact, any size up to a bound), float → number, bool → boolean, None → null, list → Array,
 * dict → Map (insertion order), and classes for the rest (tuple, undefined, dict views, range,
 * iterators, callables, namespaces). No value is a JavaScript object with a prototype a
 * template could walk: attributes and items are looked up in tables (objects.ts), never with
 * `obj[name]`.
 *
 * A secret leaf of the context is a `Tainted` box: only `reveal()` opens it, and opening it
 * tells the renderer that the piece of output being computed read a secret (see jinja.ts).
 */
import { Secret, TEMPLATE_LIMITS, TemplateError } from './common.js';
import { printf } from './format.js';
import { reprFloat, reprString } from './text.js';

export type Scalar = string | bigint | number | boolean | null;
export type DictKey = string | bigint | number | boolean | null;
export type Dict = Map<DictKey, Value>;
export type Value = Scalar | Value[] | Dict | Tuple | Undefined | PyObject | Tainted;
/** A value whose secret box, if any, is open. */
export type Open = Exclude<Value, Tainted>;

/** A leaf of the context that is secret. */
export class Tainted {
  readonly #inner: Scalar;
  constructor(inner: Scalar) {
    this.#inner = inner;
  }
  static open(box: Tainted): Scalar {
    return box.#inner;
  }
}

let secretRead: () => void = () => undefined;

/** Sets what happens when a secret is read (the renderer marks the piece being computed). */
export function onSecretRead(callback: () => void): void {
  secretRead = callback;
}

let workDone: (units: number) => void = () => undefined;

/** Sets what happens when a builtin reports the size of what it handled (see TEMPLATE_LIMITS.work). */
export function onWork(callback: (units: number) => void): void {
  workDone = callback;
}

/** Charges work measured in items (a sort's comparisons). */
export function chargeItems(items: number): void {
  workDone(items * ITEM_WORK);
}

/** What handling one item of a list or dict costs, in characters (a comparison, a hash: tens of nanoseconds). */
const ITEM_WORK = 16;

/** Charges the size of a value a builtin takes or gives: its characters, or its items at ITEM_WORK each. */
export function charge(value: unknown): void {
  const items = Array.isArray(value) ? value.length : value instanceof Map ? value.size : value instanceof Tuple ? value.items.length : 0;
  workDone(typeof value === 'string' ? value.length : items > 0 ? items * ITEM_WORK : 1);
}

let mutation: () => void = () => undefined;

/** Sets what happens when a template changes a list or dict in place (`l.append(x)`, `d.update(…)`). */
export function onMutation(callback: () => void): void {
  mutation = callback;
}

/** Records that a list or dict was changed in place. */
export function mutated(): void {
  mutation();
}

/** The value itself: a secret box is opened, and the read is recorded. */
export function reveal(value: Value): Open {
  if (value instanceof Tainted) {
    secretRead();
    return Tainted.open(value);
  }
  return value;
}

/**
 * Jinja2's StrictUndefined (every use but `is defined`, `default` and passing it along is an
 * error), or, `lenient`, its plain Undefined (prints as '', iterates as empty), which is what
 * `a if b` without `else` gives when b is false.
 */
export class Undefined {
  constructor(
    /** What was looked up, as written: `keychain.x.y`, `items[0]`. */
    readonly name: string,
    readonly lenient = false,
  ) {}
}

export function undefinedError(u: Undefined): TemplateError {
  // A name as written (`a.b`), or Jinja2's own explanation ("No first item, sequence was empty.").
  return new TemplateError(/\s/.test(u.name) ? u.name : `'${u.name}' is not defined`);
}

/** A Python tuple (immutable); `fields` names the items of a named tuple. */
export class Tuple {
  constructor(
    readonly items: Value[],
    readonly fields?: string[],
  ) {}
}

/** Objects with attributes of their own (namespace, loop, range, callables, …). */
export abstract class PyObject {
  abstract readonly typeName: string;
  /** The attribute, or undefined when it has none of that name. */
  getAttr(name: string): Value | undefined {
    void name;
    return undefined;
  }
  abstract repr(): string;
  truthy(): boolean {
    return true;
  }
}

/**
 * Anything a template can call: a global, a macro, a bound method. Prints as Python prints it
 * when that has no memory address in it (`<class 'range'>`, `<Macro 'm'>`), else `<function>`.
 */
export class Callable extends PyObject {
  readonly typeName: string = 'function';
  constructor(
    readonly name: string,
    readonly call: (args: Value[], kwargs: Map<string, Value>) => Value,
    private readonly printed = '<function>',
  ) {
    super();
  }
  repr(): string {
    return this.printed;
  }
}

/** `dict.keys()`, `.values()`, `.items()`: live views with Python's repr. */
export class DictView extends PyObject {
  constructor(
    readonly kind: 'keys' | 'values' | 'items',
    readonly dict: Dict,
  ) {
    super();
  }
  get typeName(): string {
    return `dict_${this.kind}`;
  }
  items(): Value[] {
    if (this.kind === 'keys') return [...this.dict.keys()];
    if (this.kind === 'values') return [...this.dict.values()];
    return [...this.dict].map(([k, v]) => new Tuple([k, v]));
  }
  repr(): string {
    return `${this.typeName}(${repr(this.items())})`;
  }
  override truthy(): boolean {
    return this.dict.size > 0;
  }
}

/** Python's `range` (what Jinja2's `range()` returns): lazy, with a repr of its own. */
export class Range extends PyObject {
  readonly typeName = 'range';
  readonly length: number;
  constructor(
    readonly start: bigint,
    readonly stop: bigint,
    readonly step: bigint,
  ) {
    super();
    const span = step > 0n ? stop - start : start - stop;
    const size = span <= 0n ? 0n : (span + (step > 0n ? step : -step) - 1n) / (step > 0n ? step : -step);
    if (size > BigInt(TEMPLATE_LIMITS.rangeItems)) throw new TemplateError(`range() of more than ${TEMPLATE_LIMITS.rangeItems} items`);
    this.length = Number(size);
  }
  items(): Value[] {
    return Array.from({ length: this.length }, (_, i) => this.start + BigInt(i) * this.step);
  }
  override getAttr(name: string): Value | undefined {
    return name === 'start' ? this.start : name === 'stop' ? this.stop : name === 'step' ? this.step : undefined;
  }
  repr(): string {
    return `range(${this.start}, ${this.stop}${this.step === 1n ? '' : `, ${this.step}`})`;
  }
  override truthy(): boolean {
    return this.length > 0;
  }
}

/**
 * A one-way iterator (a generator, `reversed(list)`): what `map`, `select`, `reverse`, `unique`
 * and friends return in Jinja2. Always true, no length; printing shows no address.
 */
export class Iter extends PyObject {
  constructor(
    readonly items: Value[],
    readonly typeName = 'generator',
  ) {
    super();
  }
  repr(): string {
    return `<${this.typeName} object>`;
  }
}

export const isInt = (v: Open): v is bigint | boolean => typeof v === 'bigint' || typeof v === 'boolean';
export const isNumber = (v: Open): v is bigint | boolean | number => isInt(v) || typeof v === 'number';
export const isSequence = (v: Open): v is Value[] | Tuple => Array.isArray(v) || v instanceof Tuple;
const big = (v: bigint | boolean): bigint => (typeof v === 'boolean' ? (v ? 1n : 0n) : v);
const num = (v: bigint | boolean | number): number => (typeof v === 'number' ? v : Number(big(v)));

export function typeName(value: Value): string {
  // Even the type of a secret is read from the secret: it goes into messages.
  const v = reveal(value);
  if (typeof v === 'string') return 'str';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'number') return 'float';
  if (typeof v === 'boolean') return 'bool';
  if (v === null) return 'NoneType';
  if (Array.isArray(v)) return 'list';
  if (v instanceof Map) return 'dict';
  if (v instanceof Tuple) return 'tuple';
  if (v instanceof Undefined) return 'StrictUndefined';
  return v.typeName;
}

/** An int within the bound on integer size. */
export function checkInt(v: bigint): bigint {
  if ((v < 0n ? -v : v).toString(16).length * 4 > TEMPLATE_LIMITS.integerBits) throw tooLargeInt();
  return v;
}

const tooLargeInt = () => new TemplateError(`it makes an integer of more than ${TEMPLATE_LIMITS.integerBits} bits`);

/** A size (a width, a precision, a count of items) checked before anything of that size is made. */
export function checkSize(n: number, what: string, limit: number = TEMPLATE_LIMITS.stringLength): number {
  if (n > limit) throw new TemplateError(`${what} of ${n} is more than this renderer allows (${limit})`);
  return n;
}

/** The most items a list a template builds may hold. */
export const MAX_ITEMS = TEMPLATE_LIMITS.rangeItems * 10;

/** A string within the bound on string size. */
export function checkString(s: string): string {
  if (s.length > TEMPLATE_LIMITS.stringLength) throw new TemplateError(`it makes a string longer than ${TEMPLATE_LIMITS.stringLength} characters`);
  return s;
}

/** `str(value)`, what `{{ value }}` prints. */
export function str(value: Value): string {
  const v = reveal(value);
  if (typeof v === 'string') return v;
  if (v instanceof Undefined) {
    if (v.lenient) return '';
    throw undefinedError(v);
  }
  return repr(v);
}

/** `repr(value)`: how a value prints inside a list or dict. */
export function repr(value: Value): string {
  const v = reveal(value);
  if (typeof v === 'string') return reprString(v);
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return reprFloat(v);
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (v === null) return 'None';
  if (Array.isArray(v)) return (charge(v), `[${v.map(repr).join(', ')}]`);
  if (v instanceof Map) return (charge(v), `{${[...v].map(([k, item]) => `${repr(k)}: ${repr(item)}`).join(', ')}}`);
  if (v instanceof Tuple) return v.items.length === 1 ? `(${repr(v.items[0])},)` : `(${v.items.map(repr).join(', ')})`;
  if (v instanceof Undefined) return 'Undefined';
  return v.repr();
}

/** Python truthiness; an undefined value is an error (lenient: false). */
export function truthy(value: Value): boolean {
  const v = reveal(value);
  if (typeof v === 'string') return v.length > 0;
  if (typeof v === 'bigint') return v !== 0n;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'boolean') return v;
  if (v === null) return false;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof Map) return v.size > 0;
  if (v instanceof Tuple) return v.items.length > 0;
  if (v instanceof Undefined) {
    if (v.lenient) return false;
    throw undefinedError(v);
  }
  return v.truthy();
}

/** Python `==`. */
export function eq(left: Value, right: Value): boolean {
  const a = reveal(left);
  const b = reveal(right);
  if (a instanceof Undefined || b instanceof Undefined) {
    if ((a instanceof Undefined && !a.lenient) || (b instanceof Undefined && !b.lenient)) throw undefinedError((a instanceof Undefined && !a.lenient ? a : b) as Undefined);
    return a instanceof Undefined && b instanceof Undefined;
  }
  if (isNumber(a) && isNumber(b)) {
    const x = typeof a === 'boolean' ? big(a) : a;
    const y = typeof b === 'boolean' ? big(b) : b;
    return x == y; // bigint == number compares the mathematical values
  }
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && (charge(a), a.every((item, i) => eq(item, b[i])));
  if (a instanceof Tuple && b instanceof Tuple) return a.items.length === b.items.length && a.items.every((item, i) => eq(item, b.items[i]));
  if (a instanceof Map && b instanceof Map) {
    if (a.size !== b.size) return false;
    for (const [k, item] of a) if (!b.has(k) || !eq(item, b.get(k)!)) return false;
    return true;
  }
  if (a instanceof Range && b instanceof Range) return eq(a.items(), b.items());
  return a === b;
}

/** Python `<` (and by it every ordering, as `sorted` does). */
export function lessThan(left: Value, right: Value, op = '<'): boolean {
  const a = reveal(left);
  const b = reveal(right);
  if (isNumber(a) && isNumber(b)) return (typeof a === 'boolean' ? big(a) : a) < (typeof b === 'boolean' ? big(b) : b);
  if (typeof a === 'string' && typeof b === 'string') return compareCodePoints(a, b) < 0;
  if ((Array.isArray(a) && Array.isArray(b)) || (a instanceof Tuple && b instanceof Tuple)) {
    const x = Array.isArray(a) ? a : (a as Tuple).items;
    const y = Array.isArray(b) ? b : (b as Tuple).items;
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
      if (!eq(x[i], y[i])) return lessThan(x[i], y[i], op);
    }
    return x.length < y.length;
  }
  if (a instanceof Undefined) throw undefinedError(a);
  if (b instanceof Undefined) throw undefinedError(b);
  throw new TemplateError(`'${op}' not supported between instances of '${typeName(a)}' and '${typeName(b)}'`);
}

/** Python's comparison operators. */
export function compare(op: string, a: Value, b: Value): boolean {
  switch (op) {
    case '==':
      return eq(a, b);
    case '!=':
      return !eq(a, b);
    case '<':
      return lessThan(a, b, op);
    case '>':
      return lessThan(b, a, op);
    case '<=': {
      // Ordering is checked even between equal values: `{} <= {}` is a TypeError in Python.
      const less = lessThan(a, b, op);
      return less || eq(a, b);
    }
    default: {
      const greater = lessThan(b, a, op);
      return greater || eq(a, b);
    }
  }
}

/** Strings order by code point in Python (UTF-16 order differs only above U+FFFF). */
function compareCodePoints(a: string, b: string): number {
  if (!/[\ud800-\udfff]/.test(a + b)) return a < b ? -1 : a > b ? 1 : 0;
  const x = Array.from(a, (c) => c.codePointAt(0)!);
  const y = Array.from(b, (c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

/** The items `for x in value` visits. */
export function iterate(value: Value): Value[] {
  const v = reveal(value);
  charge(v);
  if (typeof v === 'string') return Array.from(v);
  if (Array.isArray(v)) return v.slice();
  if (v instanceof Map) return [...v.keys()];
  if (v instanceof Tuple) return v.items.slice();
  if (v instanceof DictView || v instanceof Range) return v.items();
  if (v instanceof Iter) return v.items.slice();
  if (v instanceof Undefined) {
    if (v.lenient) return [];
    throw undefinedError(v);
  }
  throw new TemplateError(`'${typeName(v)}' object is not iterable`);
}

/** Python's `len()`. */
export function len(value: Value): number {
  const v = reveal(value);
  if (typeof v === 'string') return /[\ud800-\udfff]/.test(v) ? Array.from(v).length : v.length;
  if (Array.isArray(v)) return v.length;
  if (v instanceof Map) return v.size;
  if (v instanceof Tuple) return v.items.length;
  if (v instanceof DictView) return v.dict.size;
  if (v instanceof Range) return v.length;
  if (v instanceof Undefined) {
    if (v.lenient) return 0;
    throw undefinedError(v);
  }
  throw new TemplateError(`object of type '${typeName(v)}' has no len()`);
}

/**
 * The key under which `map` holds `key`, if any: Python's dict finds `1`, `1.0` and `True`
 * under one another (they are equal and hash alike).
 */
export function findKey(map: Dict, key: Value): DictKey | undefined {
  const k = dictKey(key);
  if (map.has(k)) return k;
  const alternatives: DictKey[] =
    typeof k === 'number' && Number.isInteger(k) ? [BigInt(k), ...(k === 0 || k === 1 ? [k === 1] : [])]
    : typeof k === 'bigint' ? [Number(k), ...(k === 0n || k === 1n ? [k === 1n] : [])]
    : typeof k === 'boolean' ? [k ? 1n : 0n, k ? 1 : 0]
    : [];
  return alternatives.find((alt) => map.has(alt));
}

/** A value usable as a dict key (hashable), as stored. */
export function dictKey(value: Value): DictKey {
  const v = reveal(value);
  if (v === null || typeof v !== 'object') return v;
  if (v instanceof Undefined) throw undefinedError(v);
  throw new TemplateError(v instanceof Tuple ? 'tuples as dict keys are not supported' : `unhashable type: '${typeName(v)}'`);
}

/** `item in container`. */
export function contains(container: Value, item: Value): boolean {
  const c = reveal(container);
  charge(c);
  if (typeof c === 'string') {
    const i = reveal(item);
    if (typeof i !== 'string') throw new TemplateError(`'in <string>' requires string as left operand, not ${typeName(i)}`);
    return c.includes(i);
  }
  if (c instanceof Map) return findKey(c, item) !== undefined;
  if (c instanceof DictView && c.kind === 'keys') return findKey(c.dict, item) !== undefined;
  if (c instanceof Undefined && !c.lenient) throw undefinedError(c);
  if (c === null || typeof c !== 'object' || (c instanceof PyObject && !(c instanceof DictView || c instanceof Range || c instanceof Iter))) {
    throw new TemplateError(`argument of type '${typeName(c)}' is not iterable`);
  }
  return iterate(c).some((x) => eq(x, item));
}

/** Python's binary arithmetic (`+ - * / // % **`) and Jinja2's `~`. */
export function arithmetic(op: string, left: Value, right: Value): Value {
  if (op === '~') return checkString(str(left) + str(right));
  const a = reveal(left);
  const b = reveal(right);
  if (a instanceof Undefined) throw undefinedError(a);
  if (b instanceof Undefined) throw undefinedError(b);
  if (isNumber(a) && isNumber(b)) return numeric(op, a, b);
  switch (op) {
    case '+':
      if (typeof a === 'string' && typeof b === 'string') return checkString(a + b);
      if (Array.isArray(a) && Array.isArray(b)) return (checkSize(a.length + b.length, 'a list', MAX_ITEMS), [...a, ...b]);
      if (a instanceof Tuple && b instanceof Tuple) return (checkSize(a.items.length + b.items.length, 'a tuple', MAX_ITEMS), new Tuple([...a.items, ...b.items]));
      if (typeof a === 'string' || Array.isArray(a)) throw new TemplateError(`can only concatenate ${typeName(a)} (not "${typeName(b)}") to ${typeName(a)}`);
      break;
    case '*': {
      const [seq, times] = isInt(b) ? [a, big(b)] : isInt(a) ? [b, big(a)] : [undefined, 0n];
      if (typeof seq === 'string') return repeatString(seq, times);
      if (Array.isArray(seq) || seq instanceof Tuple) {
        const items = Array.isArray(seq) ? seq : seq.items;
        const count = times > 0n ? Number(times) : 0;
        checkSize(items.length * count, 'a list', MAX_ITEMS);
        const out = Array.from({ length: count }, () => items).flat();
        return Array.isArray(seq) ? out : new Tuple(out);
      }
      break;
    }
    case '%':
      if (typeof a === 'string') return checkString(printf(a, b));
      break;
  }
  throw new TemplateError(`unsupported operand type(s) for ${op}: '${typeName(a)}' and '${typeName(b)}'`);
}

function repeatString(s: string, times: bigint): string {
  if (times <= 0n || s === '') return '';
  if (BigInt(s.length) * times > BigInt(TEMPLATE_LIMITS.stringLength)) throw new TemplateError(`it makes a string longer than ${TEMPLATE_LIMITS.stringLength} characters`);
  return s.repeat(Number(times));
}

function numeric(op: string, a: bigint | boolean | number, b: bigint | boolean | number): Value {
  if (typeof a !== 'number' && typeof b !== 'number') {
    const x = big(a);
    const y = big(b);
    switch (op) {
      case '+':
        return checkInt(x + y);
      case '-':
        return checkInt(x - y);
      case '*':
        return checkInt(x * y);
      case '/':
        if (y === 0n) throw new TemplateError('division by zero');
        return Number(x) / Number(y);
      case '//':
      case '%': {
        if (y === 0n) throw new TemplateError('integer division or modulo by zero');
        let q = x / y;
        let r = x % y;
        if (r !== 0n && r < 0n !== y < 0n) {
          q -= 1n;
          r += y;
        }
        return op === '//' ? q : r;
      }
      default: {
        if (y < 0n) {
          if (x === 0n) throw new TemplateError('0.0 cannot be raised to a negative power');
          return Number(x) ** Number(y);
        }
        const bits = (x < 0n ? -x : x).toString(2).length;
        if (x !== 0n && x !== 1n && x !== -1n && BigInt(bits - 1) * y > BigInt(TEMPLATE_LIMITS.integerBits)) throw tooLargeInt();
        return checkInt(x ** y);
      }
    }
  }
  const x = num(a);
  const y = num(b);
  switch (op) {
    case '+':
      return x + y;
    case '-':
      return x - y;
    case '*':
      return x * y;
    case '/':
      if (y === 0) throw new TemplateError('float division by zero');
      return x / y;
    case '//':
      if (y === 0) throw new TemplateError('float floor division by zero');
      return floatDivmod(x, y)[0];
    case '%':
      if (y === 0) throw new TemplateError('float modulo');
      return floatDivmod(x, y)[1];
    default: {
      if (x === 0 && y < 0) throw new TemplateError('0.0 cannot be raised to a negative power');
      if (x < 0 && !Number.isInteger(y)) throw new TemplateError('complex numbers are not supported');
      const result = x ** y;
      if (!Number.isFinite(result) && Number.isFinite(x) && Number.isFinite(y)) throw new TemplateError('(34, Numerical result out of range)');
      return result;
    }
  }
}

/** CPython's float divmod: the floor quotient and a remainder with the divisor's sign. */
function floatDivmod(x: number, y: number): [number, number] {
  let mod = x % y;
  let div = (x - mod) / y;
  if (mod) {
    if (y < 0 !== mod < 0) {
      mod += y;
      div -= 1;
    }
  } else {
    mod = Object.is(y, -0) || y < 0 ? -0 : 0;
  }
  let floordiv: number;
  if (div) {
    floordiv = Math.floor(div);
    if (div - floordiv > 0.5) floordiv += 1;
  } else {
    floordiv = x / y < 0 || Object.is(x / y, -0) ? -0 : 0;
  }
  return [floordiv, mod];
}

/** Unary `-` and `+`. */
export function unary(op: string, value: Value): Value {
  const v = reveal(value);
  if (v instanceof Undefined) throw undefinedError(v);
  if (!isNumber(v)) throw new TemplateError(`bad operand type for unary ${op}: '${typeName(v)}'`);
  if (typeof v === 'number') return op === '-' ? -v : v;
  return op === '-' ? -big(v) : big(v);
}

/** The number of a Python int (for indexes, counts and widths within JavaScript's range). */
export function toIndex(value: Value, what: string): number {
  const v = reveal(value);
  if (!isInt(v)) throw new TemplateError(`${what} must be an integer, not ${typeName(v)}`);
  const n = big(v);
  if (n > BigInt(Number.MAX_SAFE_INTEGER) || n < BigInt(-Number.MAX_SAFE_INTEGER)) throw new TemplateError(`${what} is too large`);
  return Number(n);
}

/** A float from a Python number. */
export function toFloat(value: bigint | boolean | number): number {
  return num(value);
}

/**
 * Jinja2's `tojson`: Python's `json.dumps(value, sort_keys=True)` (ASCII only), then `<`, `>`,
 * `&` and `'` as `\u003c`, `\u003e`, `\u0026`, `\u0027` so the text is safe inside HTML.
 */
export function toJson(value: Value, indent: string | null): string {
  return dumps(value, indent, '').replace(/[<>&']/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`);
}

function dumps(value: Value, indent: string | null, current: string): string {
  const v = reveal(value);
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : reprFloat(v);
  if (typeof v === 'string') return jsonString(v);
  const inner = indent === null ? '' : current + indent;
  const join = (parts: string[], open: string, close: string) => {
    if (parts.length === 0) return open + close;
    if (indent === null) return open + parts.join(', ') + close;
    return `${open}\n${inner}${parts.join(`,\n${inner}`)}\n${current}${close}`;
  };
  charge(v);
  if (Array.isArray(v) || v instanceof Tuple) return join((Array.isArray(v) ? v : v.items).map((item) => dumps(item, indent, inner)), '[', ']');
  if (v instanceof Map) {
    const entries = [...v];
    const keys = entries.map(([k]) => reveal(k));
    if (keys.length > 1) {
      const kinds = new Set(keys.map((k) => (typeof k === 'string' ? 'str' : k === null ? 'None' : 'number')));
      if (kinds.size > 1 || kinds.has('None')) throw new TemplateError(`'<' not supported between instances of '${typeName(keys[1])}' and '${typeName(keys[0])}'`);
    }
    const order = entries.map((entry, i) => ({ entry, key: keys[i] })).sort((x, y) => (lessThan(x.key, y.key) ? -1 : lessThan(y.key, x.key) ? 1 : 0));
    return join(
      order.map(({ entry: [, item], key }) => `${jsonString(typeof key === 'string' ? key : key === null ? 'null' : typeof key === 'boolean' ? String(key) : typeof key === 'number' ? reprFloat(key) : key.toString())}: ${dumps(item, indent, inner)}`),
      '{',
      '}',
    );
  }
  throw new TemplateError(`Object of type ${typeName(v)} is not JSON serializable`);
}

const JSON_ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f' };

/** A JSON string as Python writes it with ensure_ascii: everything outside printable ASCII as \uXXXX. */
function jsonString(s: string): string {
  return `"${s.replace(/[\\"]|[^ -~]/g, (c) => JSON_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}"`;
}

/**
 * Converts context data (plain JSON-like JavaScript values) to template values. Objects are
 * read by their own enumerable properties only; safe integers and bigints become Python ints,
 * other numbers floats. With `boxSecrets`, every leaf under a `Secret` marker is boxed (Tainted).
 */
export function fromJs(value: unknown, path: string, boxSecrets: boolean, secret = false): Value {
  if (value instanceof Secret) return fromJs(value.value, path, boxSecrets, boxSecrets);
  if (Array.isArray(value)) return value.map((v, i) => fromJs(v, `${path}[${i}]`, boxSecrets, secret));
  if (value !== null && typeof value === 'object') {
    if (value instanceof Date) return leaf(value.toISOString(), secret);
    const map: Dict = new Map();
    for (const [k, v] of Object.entries(value)) map.set(k, fromJs(v, `${path}.${k}`, boxSecrets, secret));
    return map;
  }
  if (typeof value === 'function' || typeof value === 'symbol') throw new TypeError(`template context '${path}' is a ${typeof value}: a context holds data only`);
  if (value === undefined) return leaf(null, secret);
  if (typeof value === 'number') return leaf(Number.isSafeInteger(value) ? BigInt(value) : value, secret);
  return leaf(value as Scalar, secret);
}

const leaf = (v: Scalar, secret: boolean): Value => (secret ? new Tainted(v) : v);
