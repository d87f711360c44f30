/**
 * Attribute and item lookup, as Jinja2 does it (`a.b` tries the attribute, then the item;
 * `a['b']` the item, then the attribute), and the methods templates call on strings, dicts,
 * lists and tuples. This is the sandbox's boundary: a name is looked up in these tables and
 * in the value's own data, never on a JavaScript object, so `__class__`, `constructor`,
 * `__proto__` and friends are only ever data keys or undefined.
 */
import { TemplateError } from './common.js';
import { strFormat } from './format.js';
import { capitalize, center, isCase, isSpace, isTitle, split, splitlines, strip, swapcase, titleMethod } from './text.js';
import {
  Callable,
  charge,
  checkSize,
  checkString,
  dictKey,
  findKey,
  DictView,
  eq,
  isInt,
  iterate,
  lessThan,
  MAX_ITEMS,
  mutated,
  PyObject,
  Range,
  repr,
  reveal,
  str,
  toIndex,
  truthy,
  Tuple,
  typeName,
  Undefined,
  undefinedError,
  type Dict,
  type Open,
  type Value,
} from './values.js';

/** `value.name` in a template. */
export function getattr(value: Value, name: string, describe: string): Value {
  const v = reveal(value);
  if (v instanceof Undefined) throw undefinedError(v);
  const method = methodOf(v, name);
  if (method) return method;
  if (v instanceof PyObject) {
    const attribute = v.getAttr(name);
    if (attribute !== undefined) return attribute;
  }
  if (v instanceof Tuple && v.fields?.includes(name)) return v.items[v.fields.indexOf(name)];
  if (v instanceof Map && v.has(name)) return v.get(name)!;
  return new Undefined(describe);
}

/** `value[key]` in a template. */
export function getitem(value: Value, key: Value, describe: string): Value {
  const v = reveal(value);
  if (v instanceof Undefined) throw undefinedError(v);
  const k = reveal(key);
  if (k instanceof Undefined) throw undefinedError(k);
  if (v instanceof Map) {
    const found = k === null || typeof k !== 'object' ? findKey(v, k) : undefined;
    if (found !== undefined) return v.get(found)!;
  } else if (isInt(k) && (typeof v === 'string' || Array.isArray(v) || v instanceof Tuple || v instanceof Range)) {
    const items = typeof v === 'string' ? Array.from(v) : Array.isArray(v) ? v : v instanceof Tuple ? v.items : v.items();
    let index = toIndex(k, 'index');
    if (index < 0) index += items.length;
    if (index >= 0 && index < items.length) return items[index];
  }
  if (typeof k === 'string') {
    if (v instanceof Tuple && v.fields?.includes(k)) return v.items[v.fields.indexOf(k)];
    const method = methodOf(v, k);
    if (method) return method;
    if (v instanceof PyObject) {
      const attribute = v.getAttr(k);
      if (attribute !== undefined) return attribute;
    }
  }
  return new Undefined(describe);
}

/** `value[start:stop:step]`. */
export function getslice(value: Value, start: Value, stop: Value, step: Value): Value {
  const v = reveal(value);
  if (v instanceof Undefined) throw undefinedError(v);
  const items = typeof v === 'string' ? Array.from(v) : Array.isArray(v) ? v : v instanceof Tuple ? v.items : v instanceof Range ? v.items() : undefined;
  if (items === undefined) throw new TemplateError(`'${typeName(v)}' object is not subscriptable`);
  const bound = (b: Value): number | null => {
    const x = reveal(b);
    if (x === null || x instanceof Undefined) return null;
    if (!isInt(x)) throw new TemplateError('slice indices must be integers or None or have an __index__ method');
    return toIndex(x, 'slice index');
  };
  if (v instanceof Range) {
    // Python slices a range into a range.
    const { from, to, step: s } = sliceIndices(v.length, bound(start), bound(stop), bound(step));
    return new Range(v.start + BigInt(from) * v.step, v.start + BigInt(to) * v.step, v.step * BigInt(s));
  }
  const picked = sliceOf(items, bound(start), bound(stop), bound(step));
  if (typeof v === 'string') return picked.join('');
  return v instanceof Tuple ? new Tuple(picked) : picked;
}

/** Python's slice indices for a sequence of length n (CPython's PySlice_AdjustIndices). */
function sliceIndices(n: number, start: number | null, stop: number | null, step: number | null): { from: number; to: number; step: number } {
  const s = step ?? 1;
  if (s === 0) throw new TemplateError('slice step cannot be zero');
  const adjust = (i: number | null, fallback: number, low: number, high: number) => {
    if (i === null) return fallback;
    if (i < 0) return Math.max(i + n, low);
    return Math.min(i, high);
  };
  const from = s > 0 ? adjust(start, 0, 0, n) : adjust(start, n - 1, -1, n - 1);
  const to = s > 0 ? adjust(stop, n, 0, n) : adjust(stop, -1, -1, n - 1);
  return { from, to, step: s };
}

/** Python's slice semantics. */
export function sliceOf<T>(items: T[], start: number | null, stop: number | null, step: number | null): T[] {
  const { from, to, step: s } = sliceIndices(items.length, start, stop, step);
  const out: T[] = [];
  for (let i = from; s > 0 ? i < to : i > to; i += s) out.push(items[i]);
  return out;
}

type Method = (self: never, args: Value[], kwargs: Map<string, Value>) => Value;

/** A bound method of a str, dict, list or tuple, or undefined when the type has none of that name. */
export function methodOf(v: Open, name: string): Callable | undefined {
  const table: Map<string, Method> | undefined =
    typeof v === 'string' ? STR : v instanceof Map ? DICT : Array.isArray(v) ? LIST : v instanceof Tuple ? TUPLE : typeof v === 'number' ? FLOAT : undefined;
  const method = table?.get(name);
  if (!method) return undefined;
  const self = v instanceof Tuple ? v.items : v;
  return new Callable(name, (args, kwargs) => {
    charge(self);
    const result = method(self as never, args, kwargs);
    charge(result);
    return result;
  });
}

/**
 * The arguments of a method call by name: positional first, then `keywords` (the names Python
 * accepts as keywords), checked against the parameter count. Missing optional ones are undefined.
 */
export function bind(name: string, args: Value[], kwargs: Map<string, Value>, params: string[], required: number, keywords: string[] = []): (Value | undefined)[] {
  if (args.length > params.length) throw new TemplateError(`${name}() takes at most ${params.length} argument${params.length === 1 ? '' : 's'} (${args.length} given)`);
  const out: (Value | undefined)[] = params.map((_, i) => args[i]);
  for (const [key, value] of kwargs) {
    const index = params.indexOf(key);
    if (index < 0 || !keywords.includes(key)) throw new TemplateError(`${name}() takes no keyword argument '${key}'`);
    if (out[index] !== undefined) throw new TemplateError(`${name}() got multiple values for argument '${key}'`);
    out[index] = value;
  }
  for (let i = 0; i < required; i++) if (out[i] === undefined) throw new TemplateError(`${name}() takes at least ${required} argument${required === 1 ? '' : 's'} (${args.length} given)`);
  return out;
}

const text = (v: Value | undefined, what: string): string => {
  const x = v === undefined ? undefined : reveal(v);
  if (typeof x !== 'string') throw new TemplateError(`${what} must be str, not ${x === undefined ? 'nothing' : typeName(x)}`);
  return x;
};
const optionalText = (v: Value | undefined, what: string): string | null => {
  const x = v === undefined ? null : reveal(v);
  return x === null ? null : text(x, what);
};
const integer = (v: Value | undefined, fallback: number, what: string): number => {
  const x = v === undefined ? null : reveal(v);
  return x === null ? fallback : toIndex(x, what);
};

/**
 * The part of `s` between Python's start/end (code point indexes, negative from the end), and
 * where it starts. Without surrogate pairs, code points are UTF-16 units: no array is built.
 */
function window(s: string, start: Value | undefined, end: Value | undefined): { part: string; from: number; to: number; units: boolean } {
  const units = !/[\ud800-\udfff]/.test(s);
  const points = units ? undefined : Array.from(s);
  const length = points ? points.length : s.length;
  const [from, to] = [start, end].map((b, i) => {
    const x = b === undefined ? null : reveal(b);
    if (x === null) return i === 0 ? 0 : length;
    const n = toIndex(x, 'slice index');
    return n < 0 ? Math.max(0, n + length) : Math.min(n, length);
  });
  const part = from >= to ? '' : points ? points.slice(from, to).join('') : s.slice(from, to);
  return { part, from, to, units };
}

/** `find`/`rfind` in code points, searched natively (a naive search of an 8 MB string would take hours). */
function find(s: string, args: Value[], kwargs: Map<string, Value>, name: string, fromRight: boolean): number {
  const [sub, start, end] = bind(name, args, kwargs, ['sub', 'start', 'end'], 1);
  const needle = text(sub, 'must be str');
  const { part, from, to, units } = window(s, start, end);
  if (from > to) return -1;
  const at = fromRight ? part.lastIndexOf(needle) : part.indexOf(needle);
  if (at < 0) return -1;
  return from + (units ? at : Array.from(part.slice(0, at)).length);
}

function affix(s: string, args: Value[], kwargs: Map<string, Value>, name: string, atEnd: boolean): boolean {
  const [prefix, start, end] = bind(name, args, kwargs, ['prefix', 'start', 'end'], 1);
  const p = reveal(prefix!);
  const candidates = p instanceof Tuple ? p.items.map((x) => text(x, `tuple for ${name} must only contain str`)) : [text(p, `${name} first arg must be str or a tuple of str`)];
  const { part, from, to } = window(s, start, end);
  return candidates.some((c) => (atEnd ? part.endsWith(c) : part.startsWith(c)) && (from <= to || c === ''));
}

function justify(s: string, args: Value[], kwargs: Map<string, Value>, name: string, side: 'left' | 'right' | 'center'): string {
  const [widthArg, fillArg] = bind(name, args, kwargs, ['width', 'fillchar'], 1);
  const width = integer(widthArg, 0, 'width');
  const fill = fillArg === undefined ? ' ' : text(fillArg, 'fillchar');
  if (Array.from(fill).length !== 1) throw new TemplateError('The fill character must be exactly one character long');
  checkSize(width, 'a width');
  const gap = width - Array.from(s).length;
  if (gap <= 0) return s;
  return side === 'left' ? s + fill.repeat(gap) : side === 'right' ? fill.repeat(gap) + s : center(s, width, fill);
}

/** `str.replace(old, new, count)`; the result's size is checked before it is built. */
function replaceCount(s: string, old: string, replacement: string, count: number): string {
  // Python inserts an empty `old`'s replacement around every code point.
  const parts = old === '' ? ['', ...Array.from(s), ''] : s.split(old);
  const replaced = count < 0 ? parts.length - 1 : Math.min(count, parts.length - 1);
  checkSize(s.length + replaced * (replacement.length - old.length), 'a string');
  if (old === '') return parts.slice(0, replaced + 1).join(replacement) + parts.slice(replaced + 1).join('');
  return parts.slice(0, replaced + 1).join(replacement) + (replaced < parts.length - 1 ? old + parts.slice(replaced + 1).join(old) : '');
}

const every = (s: string, test: RegExp) => s.length > 0 && Array.from(s).every((ch) => test.test(ch));

const STR = new Map<string, Method>([
  ['upper', (s: string, a, k) => (bind('upper', a, k, [], 0), s.toUpperCase())],
  ['lower', (s: string, a, k) => (bind('lower', a, k, [], 0), s.toLowerCase())],
  ['casefold', (s: string, a, k) => (bind('casefold', a, k, [], 0), s.toLowerCase())],
  ['title', (s: string, a, k) => (bind('title', a, k, [], 0), titleMethod(s))],
  ['capitalize', (s: string, a, k) => (bind('capitalize', a, k, [], 0), capitalize(s))],
  ['swapcase', (s: string, a, k) => (bind('swapcase', a, k, [], 0), swapcase(s))],
  ['strip', (s: string, a, k) => strip(s, optionalText(bind('strip', a, k, ['chars'], 0)[0], 'strip arg'))],
  ['lstrip', (s: string, a, k) => strip(s, optionalText(bind('lstrip', a, k, ['chars'], 0)[0], 'lstrip arg'), 'left')],
  ['rstrip', (s: string, a, k) => strip(s, optionalText(bind('rstrip', a, k, ['chars'], 0)[0], 'rstrip arg'), 'right')],
  [
    'split',
    (s: string, a, k) => {
      const [sep, maxsplit] = bind('split', a, k, ['sep', 'maxsplit'], 0, ['sep', 'maxsplit']);
      return split(s, optionalText(sep, 'sep'), integer(maxsplit, -1, 'maxsplit'));
    },
  ],
  [
    'rsplit',
    (s: string, a, k) => {
      const [sep, maxsplit] = bind('rsplit', a, k, ['sep', 'maxsplit'], 0, ['sep', 'maxsplit']);
      return split(s, optionalText(sep, 'sep'), integer(maxsplit, -1, 'maxsplit'), true);
    },
  ],
  [
    'splitlines',
    (s: string, a, k) => {
      const [keepends] = bind('splitlines', a, k, ['keepends'], 0, ['keepends']);
      return splitlines(s, keepends !== undefined && Boolean(reveal(keepends)));
    },
  ],
  [
    'replace',
    (s: string, a, k) => {
      const [old, replacement, count] = bind('replace', a, k, ['old', 'new', 'count'], 2);
      return replaceCount(s, text(old, 'replace() argument 1'), text(replacement, 'replace() argument 2'), integer(count, -1, 'count'));
    },
  ],
  ['startswith', (s: string, a, k) => affix(s, a, k, 'startswith', false)],
  ['endswith', (s: string, a, k) => affix(s, a, k, 'endswith', true)],
  ['find', (s: string, a, k) => BigInt(find(s, a, k, 'find', false))],
  ['rfind', (s: string, a, k) => BigInt(find(s, a, k, 'rfind', true))],
  [
    'index',
    (s: string, a, k) => {
      const at = find(s, a, k, 'index', false);
      if (at < 0) throw new TemplateError('substring not found');
      return BigInt(at);
    },
  ],
  [
    'rindex',
    (s: string, a, k) => {
      const at = find(s, a, k, 'rindex', true);
      if (at < 0) throw new TemplateError('substring not found');
      return BigInt(at);
    },
  ],
  [
    'count',
    (s: string, a, k) => {
      const [sub, start, end] = bind('count', a, k, ['sub', 'start', 'end'], 1);
      const { part } = window(s, start, end);
      const needle = text(sub, 'must be str');
      return BigInt(needle === '' ? Array.from(part).length + 1 : part.split(needle).length - 1);
    },
  ],
  [
    'join',
    (s: string, a, k) => {
      const [iterable] = bind('join', a, k, ['iterable'], 1);
      const items = iterate(iterable!).map((item, i) => {
        const x = reveal(item);
        if (typeof x !== 'string') throw new TemplateError(`sequence item ${i}: expected str instance, ${typeName(x)} found`);
        return x;
      });
      return checkString(items.join(s));
    },
  ],
  ['center', (s: string, a, k) => justify(s, a, k, 'center', 'center')],
  ['ljust', (s: string, a, k) => justify(s, a, k, 'ljust', 'left')],
  ['rjust', (s: string, a, k) => justify(s, a, k, 'rjust', 'right')],
  [
    'zfill',
    (s: string, a, k) => {
      const width = checkSize(integer(bind('zfill', a, k, ['width'], 1)[0], 0, 'width'), 'a width');
      const sign = s.startsWith('-') || s.startsWith('+') ? s[0] : '';
      const body = s.slice(sign.length);
      return width <= Array.from(s).length ? s : sign + body.padStart(width - sign.length, '0');
    },
  ],
  ['partition', (s: string, a, k) => partition(s, text(bind('partition', a, k, ['sep'], 1)[0], 'sep'), false)],
  ['rpartition', (s: string, a, k) => partition(s, text(bind('rpartition', a, k, ['sep'], 1)[0], 'sep'), true)],
  [
    'removeprefix',
    (s: string, a, k) => {
      const prefix = text(bind('removeprefix', a, k, ['prefix'], 1)[0], 'removeprefix() argument');
      return prefix !== '' && s.startsWith(prefix) ? s.slice(prefix.length) : s;
    },
  ],
  [
    'removesuffix',
    (s: string, a, k) => {
      const suffix = text(bind('removesuffix', a, k, ['suffix'], 1)[0], 'removesuffix() argument');
      return suffix !== '' && s.endsWith(suffix) ? s.slice(0, -suffix.length) : s;
    },
  ],
  [
    'expandtabs',
    (s: string, a, k) => {
      const size = integer(bind('expandtabs', a, k, ['tabsize'], 0, ['tabsize'])[0], 8, 'tabsize');
      let column = 0;
      let out = '';
      for (const ch of s) {
        if (ch === '\t') {
          const n = size > 0 ? size - (column % size) : 0;
          checkSize(out.length + n, 'a string');
          out += ' '.repeat(n);
          column += n;
        } else {
          out += ch;
          column = ch === '\n' || ch === '\r' ? 0 : column + 1;
        }
      }
      return checkString(out);
    },
  ],
  ['isalnum', (s: string, a, k) => (bind('isalnum', a, k, [], 0), every(s, /[\p{L}\p{N}]/u))],
  ['isalpha', (s: string, a, k) => (bind('isalpha', a, k, [], 0), every(s, /\p{L}/u))],
  ['isascii', (s: string, a, k) => (bind('isascii', a, k, [], 0), /^[\x00-\x7f]*$/.test(s))],
  ['isdecimal', (s: string, a, k) => (bind('isdecimal', a, k, [], 0), every(s, /\p{Nd}/u))],
  ['isdigit', (s: string, a, k) => (bind('isdigit', a, k, [], 0), every(s, /[\p{Nd}\u00b2\u00b3\u00b9\u2070-\u2079\u2080-\u2089]/u))],
  ['isnumeric', (s: string, a, k) => (bind('isnumeric', a, k, [], 0), every(s, /\p{N}/u))],
  ['isspace', (s: string, a, k) => (bind('isspace', a, k, [], 0), s.length > 0 && Array.from(s).every(isSpace))],
  ['islower', (s: string, a, k) => (bind('islower', a, k, [], 0), isCase(s, 'lower'))],
  ['isupper', (s: string, a, k) => (bind('isupper', a, k, [], 0), isCase(s, 'upper'))],
  ['istitle', (s: string, a, k) => (bind('istitle', a, k, [], 0), isTitle(s))],
  ['isidentifier', (s: string, a, k) => (bind('isidentifier', a, k, [], 0), /^[\p{XID_Start}_][\p{XID_Continue}]*$/u.test(s))],
  ['isprintable', (s: string, a, k) => (bind('isprintable', a, k, [], 0), !/[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}]|(?! )\p{Zs}/u.test(s))],
  ['format', (s: string, a, k) => checkString(strFormat(s, a, k, FIELD_ACCESS))],
  [
    'format_map',
    (s: string, a, k) => {
      const mapping = reveal(bind('format_map', a, k, ['mapping'], 1)[0]!);
      if (!(mapping instanceof Map)) throw new TemplateError(`'${typeName(mapping)}' object is not a mapping`);
      const keywords = new Map<string, Value>([...mapping].filter(([key]) => typeof key === 'string') as [string, Value][]);
      return checkString(strFormat(s, [], keywords, FIELD_ACCESS));
    },
  ],
]);

function partition(s: string, sep: string, fromRight: boolean): Tuple {
  if (sep === '') throw new TemplateError('empty separator');
  const at = fromRight ? s.lastIndexOf(sep) : s.indexOf(sep);
  if (at < 0) return new Tuple(fromRight ? ['', '', s] : [s, '', '']);
  return new Tuple([s.slice(0, at), sep, s.slice(at + sep.length)]);
}

/**
 * `str.format` fields: `.name` is Python's getattr only (a method, a namespace or loop
 * attribute, a named tuple's field: not a dict key) and `[key]` an item only, as in Python;
 * either reaches nothing a template could not reach itself.
 */
const FIELD_ACCESS = {
  attr: (value: Value, name: string): Value => {
    const v = reveal(value);
    if (v instanceof Undefined) throw undefinedError(v);
    const found = methodOf(v, name) ?? (v instanceof PyObject ? v.getAttr(name) : v instanceof Tuple && v.fields?.includes(name) ? v.items[v.fields.indexOf(name)] : undefined);
    if (found === undefined) throw new TemplateError(`'${typeName(v)}' object has no attribute '${name}'`);
    return found;
  },
  item: (value: Value, key: Value): Value => {
    const v = reveal(value);
    const item = v instanceof Map || Array.isArray(v) || v instanceof Tuple || typeof v === 'string' || v instanceof Range ? getitem(v, key, str(key)) : undefined;
    if (item === undefined || item instanceof Undefined) throw new TemplateError(v instanceof Map ? `KeyError: ${repr(key)}` : `'${typeName(v)}' object is not subscriptable or has no item ${repr(key)}`);
    return item;
  },
};

/** A list after a change in place: within the bound on items, and noted as changed. */
function changed(items: Value[]): null {
  if (items.length > MAX_ITEMS) throw new TemplateError(`it makes a list of more than ${MAX_ITEMS} items`);
  mutated();
  return null;
}

const DICT = new Map<string, Method>([
  [
    'get',
    (d: Dict, a, k) => {
      const [key, fallback] = bind('get', a, k, ['key', 'default'], 1);
      const found = findKey(d, key!);
      return found !== undefined ? d.get(found)! : (fallback ?? null);
    },
  ],
  ['items', (d: Dict, a, k) => (bind('items', a, k, [], 0), new DictView('items', d))],
  ['keys', (d: Dict, a, k) => (bind('keys', a, k, [], 0), new DictView('keys', d))],
  ['values', (d: Dict, a, k) => (bind('values', a, k, [], 0), new DictView('values', d))],
  ['copy', (d: Dict, a, k) => (bind('copy', a, k, [], 0), new Map(d))],
  [
    'update',
    (d: Dict, a, k) => {
      if (a.length > 1) throw new TemplateError(`update expected at most 1 argument, got ${a.length}`);
      if (a.length === 1) {
        const other = reveal(a[0]);
        const pairs = other instanceof Map ? [...other] : iterate(other).map((pair) => iterate(pair));
        for (const pair of pairs) {
          if (pair.length !== 2) throw new TemplateError(`dictionary update sequence element has length ${pair.length}; 2 is required`);
          d.set(findKey(d, pair[0]) ?? dictKey(pair[0]), pair[1]);
        }
      }
      for (const [key, value] of k) d.set(key, value);
      mutated();
      return null;
    },
  ],
  [
    'pop',
    (d: Dict, a, k) => {
      const [key, fallback] = bind('pop', a, k, ['key', 'default'], 1);
      const found = findKey(d, key!);
      if (found === undefined) {
        if (fallback === undefined) throw new TemplateError(`KeyError: ${repr(key!)}`);
        return fallback;
      }
      const value = d.get(found)!;
      d.delete(found);
      mutated();
      return value;
    },
  ],
  [
    'popitem',
    (d: Dict, a, k) => {
      bind('popitem', a, k, [], 0);
      const last = [...d.keys()].pop();
      if (last === undefined) throw new TemplateError("KeyError: 'popitem(): dictionary is empty'");
      const value = d.get(last)!;
      d.delete(last);
      mutated();
      return new Tuple([last, value]);
    },
  ],
  [
    'setdefault',
    (d: Dict, a, k) => {
      const [key, fallback] = bind('setdefault', a, k, ['key', 'default'], 1);
      const found = findKey(d, key!);
      if (found !== undefined) return d.get(found)!;
      d.set(dictKey(key!), fallback === undefined ? null : fallback);
      mutated();
      return fallback === undefined ? null : fallback;
    },
  ],
  ['clear', (d: Dict, a, k) => (bind('clear', a, k, [], 0), d.clear(), mutated(), null)],
]);

function indexOf(items: Value[], args: Value[], kwargs: Map<string, Value>, what: string): bigint {
  const [value, start, end] = bind('index', args, kwargs, ['value', 'start', 'stop'], 1);
  const from = integer(start, 0, 'start');
  const to = integer(end, items.length, 'stop');
  const lo = from < 0 ? Math.max(0, from + items.length) : from;
  const hi = to < 0 ? Math.max(0, to + items.length) : Math.min(to, items.length);
  for (let i = lo; i < hi; i++) if (eq(items[i], value!)) return BigInt(i);
  throw new TemplateError(`${what}.index(x): x not in ${what}`);
}

const sequenceMethods = (what: string) =>
  new Map<string, Method>([
    [
      'count',
      (items: Value[], a, k) => {
        const [value] = bind('count', a, k, ['value'], 1);
        return BigInt(items.filter((item) => eq(item, value!)).length);
      },
    ],
    ['index', (items: Value[], a, k) => indexOf(items, a, k, what)],
  ]);

const LIST = new Map<string, Method>([
  ...sequenceMethods('list'),
  ['copy', (items: Value[], a, k) => (bind('copy', a, k, [], 0), items.slice())],
  ['append', (items: Value[], a, k) => (items.push(bind('append', a, k, ['object'], 1)[0]!), changed(items))],
  ['extend', (items: Value[], a, k) => (items.push(...iterate(bind('extend', a, k, ['iterable'], 1)[0]!)), changed(items))],
  [
    'insert',
    (items: Value[], a, k) => {
      const [index, value] = bind('insert', a, k, ['index', 'object'], 2);
      let i = integer(index, 0, 'index');
      if (i < 0) i = Math.max(0, i + items.length);
      items.splice(Math.min(i, items.length), 0, value!);
      return changed(items);
    },
  ],
  [
    'pop',
    (items: Value[], a, k) => {
      if (items.length === 0) throw new TemplateError('pop from empty list');
      let i = integer(bind('pop', a, k, ['index'], 0)[0], -1, 'index');
      if (i < 0) i += items.length;
      if (i < 0 || i >= items.length) throw new TemplateError('pop index out of range');
      const [value] = items.splice(i, 1);
      changed(items);
      return value;
    },
  ],
  [
    'remove',
    (items: Value[], a, k) => {
      const [value] = bind('remove', a, k, ['value'], 1);
      const i = items.findIndex((item) => eq(item, value!));
      if (i < 0) throw new TemplateError('list.remove(x): x not in list');
      items.splice(i, 1);
      return changed(items);
    },
  ],
  ['clear', (items: Value[], a, k) => (bind('clear', a, k, [], 0), items.splice(0), changed(items))],
  ['reverse', (items: Value[], a, k) => (bind('reverse', a, k, [], 0), items.reverse(), changed(items))],
  [
    'sort',
    (items: Value[], a, k) => {
      const [reverse] = bind('sort', a, k, ['reverse'], 0, ['reverse']);
      const descending = reverse !== undefined && truthy(reverse);
      const sorted = items.slice().sort((x, y) => (descending ? -1 : 1) * (lessThan(x, y) ? -1 : lessThan(y, x) ? 1 : 0));
      items.splice(0, items.length, ...sorted);
      return changed(items);
    },
  ],
]);
const TUPLE = sequenceMethods('tuple');
const FLOAT = new Map<string, Method>([['is_integer', (x: number, a, k) => (bind('is_integer', a, k, [], 0), Number.isInteger(x))]]);
