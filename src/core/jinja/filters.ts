/**
 * Jinja2's built-in filters and tests, ported from Jinja2 3.1 (the version Debian ships and a
 * NoETL worker runs), plus the `b64encode` filter a NoETL worker adds. Generators stay
 * generators (`map`, `select`, `reverse`, `unique` … return an iterator: `| list` it, as with
 * Jinja2). Left out: `urlize` and `wordwrap` (HTML and text layout nobody renders in a
 * playbook field): a template that uses them fails to render. `pprint` prints the repr on one
 * line (Python's pprint wraps long values at 80 columns), and `escape`/`safe` give plain
 * strings (no Markup type); jinja-differential.test.ts lists these gaps.
 */
import { TemplateError } from './common.js';
import { printf } from './format.js';
import { bind, getitem, methodOf } from './objects.js';
import { capitalize, center, collapseSpace, parseFloatStrict, parseIntStrict, roundFloat, splitlines, strip, titleFilter } from './text.js';
import {
  arithmetic,
  Callable,
  chargeItems,
  checkSize,
  checkString,
  contains,
  dictKey,
  DictView,
  eq,
  isInt,
  isNumber,
  iterate,
  Iter,
  len,
  lessThan,
  MAX_ITEMS,
  PyObject,
  Range,
  repr,
  reveal,
  str,
  toIndex,
  toJson,
  truthy,
  Tuple,
  typeName,
  Undefined,
  undefinedError,
  type Value,
} from './values.js';

/** What filters need from the interpreter: other filters and tests by name, and the note that `default` covered an undefined value. */
export interface FilterEnv {
  filter(name: string, value: Value, args: Value[], kwargs: Map<string, Value>): Value;
  test(name: string, value: Value, args: Value[], kwargs: Map<string, Value>): boolean;
  covered(value: Undefined): void;
}

/** A filter or a test, given its own name (for messages). */
type Filter = (env: FilterEnv, value: Value, args: Value[], kwargs: Map<string, Value>, name: string) => Value;
type Test = (env: FilterEnv, value: Value, args: Value[], kwargs: Map<string, Value>, name: string) => boolean;

/** A filter with Python's parameters (all also accepted by keyword, as for any Python function). */
function filter(params: string[], required: number, body: (env: FilterEnv, value: Value, ...args: (Value | undefined)[]) => Value): Filter {
  return (env, value, args, kwargs, name) => body(env, value, ...bind(name, args, kwargs, params, required, params));
}

const arg = (v: Value | undefined): Value | undefined => (v === undefined ? undefined : reveal(v));
const flag = (v: Value | undefined): boolean => v !== undefined && truthy(v);
const optionalInt = (v: Value | undefined, fallback: number, what: string): number => {
  const x = arg(v);
  return x === undefined || x === null ? fallback : toIndex(x, what);
};

/** An attribute path as filters take it (`'address.city'`, `'0.name'`), looked up as `getitem` does. */
function attrGetter(attribute: Value | undefined, fallback?: Value): (item: Value) => Value {
  const a = arg(attribute);
  if (a === undefined || a === null) return (item) => item;
  const parts: Value[] = typeof a === 'string' ? a.split('.').map((p) => (/^\d+$/.test(p) ? BigInt(p) : p)) : [a];
  return (item) => {
    let current = item;
    for (const part of parts) {
      current = getitem(current, part, String(part));
      if (fallback !== undefined && fallback !== null && current instanceof Undefined) current = fallback;
    }
    return current;
  };
}

const lowerIfString = (v: Value): Value => {
  const x = reveal(v);
  return typeof x === 'string' ? x.toLowerCase() : x;
};

/** Python's `sorted(items, key=…, reverse=…)`: stable, by `<` only. */
function sorted(items: Value[], key: (v: Value) => Value, reverse: boolean): Value[] {
  // n log n comparisons.
  chargeItems(items.length * Math.ceil(Math.log2(items.length + 1)));
  const keyed = items.map((item) => ({ item, key: key(item) }));
  keyed.sort((a, b) => (reverse ? -1 : 1) * (lessThan(a.key, b.key) ? -1 : lessThan(b.key, a.key) ? 1 : 0));
  return keyed.map((k) => k.item);
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' };
const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
/** A Map, never a plain object: the entity name comes from the template (`&constructor;`). */
const NAMED_ENTITIES = new Map([
  ['amp', '&'],
  ['lt', '<'],
  ['gt', '>'],
  ['quot', '"'],
  ['apos', "'"],
  ['nbsp', '\u00a0'],
]);

function unescapeHtml(s: string): string {
  return s.replace(/&(#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z]+);/g, (whole, body: string) => {
    if (body.startsWith('#')) {
      const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '\ufffd';
    }
    return NAMED_ENTITIES.get(body) ?? whole;
  });
}

/** urllib's `quote`: UTF-8 bytes, everything but letters, digits, `_.-~` (and `safe`) as %XX. */
function urlQuote(value: Value, forQuery: boolean): string {
  const text = str(value);
  let out = '';
  for (const byte of new TextEncoder().encode(text)) {
    const ch = String.fromCharCode(byte);
    out += /[A-Za-z0-9_.\-~]/.test(ch) || (!forQuery && ch === '/') ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return forQuery ? out.replace(/%20/g, '+') : out;
}

function reversible(value: Value): Value[] | undefined {
  const v = reveal(value);
  if (typeof v === 'string' || Array.isArray(v) || v instanceof Tuple || v instanceof Map || v instanceof DictView || v instanceof Range) return iterate(v).reverse();
  return undefined;
}

function selectOrReject(env: FilterEnv, value: Value, args: Value[], kwargs: Map<string, Value>, keep: boolean, byAttribute: boolean): Value {
  if (!truthy(value)) return new Iter([]);
  let transform = (x: Value): Value => x;
  let rest = args;
  if (byAttribute) {
    if (args.length === 0) throw new TemplateError('Missing parameter for attribute name');
    transform = attrGetter(args[0]);
    rest = args.slice(1);
  }
  const check =
    rest.length === 0
      ? (x: Value) => truthy(x)
      : (x: Value) => {
          const name = reveal(rest[0]);
          if (typeof name !== 'string') throw new TemplateError('test name must be a string');
          return env.test(name, x, rest.slice(1), kwargs);
        };
  return new Iter(iterate(value).filter((item) => check(transform(item)) === keep));
}

function minOrMax(value: Value, args: Value[], kwargs: Map<string, Value>, largest: boolean): Value {
  const [caseSensitive, attribute] = bind(largest ? 'max' : 'min', args, kwargs, ['case_sensitive', 'attribute'], 0, ['case_sensitive', 'attribute']);
  const items = iterate(value);
  if (items.length === 0) return new Undefined('No aggregated item, sequence was empty.');
  const get = attrGetter(attribute);
  const key = flag(caseSensitive) ? get : (x: Value) => lowerIfString(get(x));
  let best = items[0];
  for (const item of items.slice(1)) if (largest ? lessThan(key(best), key(item)) : lessThan(key(item), key(best))) best = item;
  return best;
}

function doRound(value: Value, precisionArg: Value | undefined, methodArg: Value | undefined): Value {
  const method = arg(methodArg) ?? 'common';
  if (method !== 'common' && method !== 'ceil' && method !== 'floor') throw new TemplateError('method must be common, ceil or floor');
  const v = reveal(value);
  if (!isNumber(v)) throw new TemplateError(`type ${typeName(v)} doesn't define __round__ method`);
  const precision = optionalInt(precisionArg, 0, 'precision');
  if (method === 'common') {
    if (typeof v === 'number') return roundFloat(v, precision);
    const n = typeof v === 'boolean' ? (v ? 1n : 0n) : v;
    if (precision >= 0) return n;
    const scale = 10n ** BigInt(-precision);
    const [q, r] = [n / scale, n % scale];
    const floor = r < 0n ? q - 1n : q;
    const rest = n - floor * scale;
    const half = scale / 2n;
    const up = rest > half || (rest === half && floor % 2n !== 0n);
    return (up ? floor + 1n : floor) * scale;
  }
  const x = typeof v === 'number' ? v : Number(v);
  const scale = 10 ** precision;
  return (method === 'ceil' ? Math.ceil(x * scale) : Math.floor(x * scale)) / scale;
}

function doInt(value: Value, fallback: Value | undefined, baseArg: Value | undefined): Value {
  const v = reveal(value);
  const base = optionalInt(baseArg, 10, 'base');
  const otherwise = fallback === undefined ? 0n : fallback;
  if (typeof v === 'string') {
    const parsed = parseIntStrict(v, base);
    if (parsed !== undefined) return parsed;
    const asFloat = parseFloatStrict(v);
    return asFloat !== undefined && Number.isFinite(asFloat) ? BigInt(Math.trunc(asFloat)) : otherwise;
  }
  if (typeof v === 'bigint') return v;
  if (typeof v === 'boolean') return v ? 1n : 0n;
  if (typeof v === 'number') return Number.isFinite(v) ? BigInt(Math.trunc(v)) : otherwise;
  return otherwise;
}

function doFloat(value: Value, fallback: Value | undefined): Value {
  const v = reveal(value);
  const otherwise = fallback === undefined ? 0 : fallback;
  if (typeof v === 'number') return v;
  if (isInt(v)) return Number(typeof v === 'boolean' ? Number(v) : v);
  if (typeof v === 'string') return parseFloatStrict(v) ?? otherwise;
  return otherwise;
}

function fileSize(value: Value, binary: boolean): string {
  const v = reveal(value);
  const bytes = typeof v === 'string' ? parseFloatStrict(v) : isNumber(v) ? Number(typeof v === 'boolean' ? Number(v) : v) : undefined;
  if (bytes === undefined) throw new TemplateError(`could not convert ${typeName(v)} to float`);
  const base = binary ? 1024 : 1000;
  const prefixes = binary ? ['KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'] : ['kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
  if (bytes === 1) return '1 Byte';
  if (bytes < base) return `${Math.trunc(bytes)} Bytes`;
  let unit = base;
  let prefix = prefixes[0];
  for (let i = 0; i < prefixes.length; i++) {
    unit = base ** (i + 2);
    prefix = prefixes[i];
    if (bytes < unit) break;
  }
  return `${printf('%.1f', (base * bytes) / unit)} ${prefix}`;
}

function indent(value: Value, widthArg: Value | undefined, first: boolean, blank: boolean): string {
  const w = arg(widthArg);
  const indention = typeof w === 'string' ? w : ' '.repeat(checkSize(w === undefined ? 4 : toIndex(w, 'width'), 'a width'));
  const s = reveal(value);
  // Jinja2 appends a newline to the value itself: only a string takes it.
  if (typeof s !== 'string') throw new TemplateError(`unsupported operand type(s) for +=: '${typeName(s)}' and 'str'`);
  const lines = splitlines(`${s}\n`, false);
  let out: string;
  if (blank) {
    out = lines.join(`\n${indention}`);
  } else {
    out = lines.shift() ?? '';
    if (lines.length > 0) out += `\n${lines.map((line) => (line ? indention + line : line)).join('\n')}`;
  }
  return checkString(first ? indention + out : out);
}

function truncate(value: Value, lengthArg: Value | undefined, killwords: boolean, endArg: Value | undefined, leewayArg: Value | undefined): Value {
  const length = optionalInt(lengthArg, 255, 'length');
  const end = endArg === undefined ? '...' : str(endArg);
  const leeway = optionalInt(leewayArg, 5, 'leeway');
  if (length < end.length) throw new TemplateError(`expected length >= ${end.length}, got ${length}`);
  if (leeway < 0) throw new TemplateError(`expected leeway >= 0, got ${leeway}`);
  const s = reveal(value);
  // Jinja2 measures the value itself: a list short enough comes back as it is; a number has no length.
  if (typeof s !== 'string') {
    if (len(s) <= length + leeway) return s;
    throw new TemplateError(`'${typeName(s)}' object has no attribute 'rsplit'`);
  }
  const points = Array.from(s);
  if (points.length <= length + leeway) return s;
  const cut = points.slice(0, length - end.length).join('');
  if (killwords) return cut + end;
  const space = cut.lastIndexOf(' ');
  return (space < 0 ? cut : cut.slice(0, space)) + end;
}

function base64(value: Value): string {
  const v = reveal(value);
  const bytes = new TextEncoder().encode(typeof v === 'string' ? v : str(v));
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

const FILTER_TABLE: [string, Filter][] = [
  [
    'abs',
    filter([], 0, (_, value) => {
      const v = reveal(value);
      if (!isNumber(v)) throw new TemplateError(`bad operand type for abs(): '${typeName(v)}'`);
      if (typeof v === 'number') return Math.abs(v);
      const n = typeof v === 'boolean' ? (v ? 1n : 0n) : v;
      return n < 0n ? -n : n;
    }),
  ],
  [
    'attr',
    filter(['name'], 1, (_, value, name) => {
      const v = reveal(value);
      if (v instanceof Undefined) throw undefinedError(v);
      const n = str(name!);
      const method = methodOf(v, n);
      if (method) return method;
      if (v instanceof PyObject) return v.getAttr(n) ?? new Undefined(n);
      if (v instanceof Tuple && v.fields?.includes(n)) return v.items[v.fields.indexOf(n)];
      return new Undefined(n);
    }),
  ],
  [
    'batch',
    filter(['linecount', 'fill_with'], 1, (_, value, count, fill) => {
      const size = checkSize(optionalInt(count, 0, 'linecount'), 'a batch', MAX_ITEMS);
      if (size <= 0) throw new TemplateError('batch size must be positive');
      const batches: Value[] = [];
      let current: Value[] = [];
      for (const item of iterate(value)) {
        if (current.length === size) {
          batches.push(current);
          current = [];
        }
        current.push(item);
      }
      if (current.length > 0) {
        if (fill !== undefined && arg(fill) !== null) while (current.length < size) current.push(fill);
        batches.push(current);
      }
      return new Iter(batches);
    }),
  ],
  ['capitalize', filter([], 0, (_, value) => capitalize(str(value)))],
  ['center', filter(['width'], 0, (_, value, width) => center(str(value), checkSize(optionalInt(width, 80, 'width'), 'a width')))],
  ['count', filter([], 0, (_, value) => BigInt(len(value)))],
  [
    'default',
    filter(['default_value', 'boolean'], 0, (env, value, fallback, onFalse) => {
      if (value instanceof Undefined) {
        env.covered(value);
        return fallback === undefined ? '' : fallback;
      }
      return flag(onFalse) && !truthy(value) ? (fallback === undefined ? '' : fallback) : value;
    }),
  ],
  [
    'dictsort',
    filter(['case_sensitive', 'by', 'reverse'], 0, (_, value, caseSensitive, by, reverse) => {
      const v = reveal(value);
      if (!(v instanceof Map)) throw new TemplateError(`'${typeName(v)}' object has no attribute 'items'`);
      const position = (arg(by) ?? 'key') === 'key' ? 0 : arg(by) === 'value' ? 1 : -1;
      if (position < 0) throw new TemplateError('You can only sort by either "key" or "value"');
      const pairs = [...v].map(([k, item]) => new Tuple([k, item]));
      return sorted(pairs, (p) => (flag(caseSensitive) ? (p as Tuple).items[position] : lowerIfString((p as Tuple).items[position])), flag(reverse));
    }),
  ],
  ['escape', filter([], 0, (_, value) => escapeHtml(str(value)))],
  ['filesizeformat', filter(['binary'], 0, (_, value, binary) => fileSize(value, flag(binary)))],
  [
    'first',
    filter([], 0, (_, value) => {
      const items = iterate(value);
      return items.length > 0 ? items[0] : new Undefined('No first item, sequence was empty.');
    }),
  ],
  ['float', filter(['default'], 0, (_, value, fallback) => doFloat(value, fallback))],
  ['forceescape', filter([], 0, (_, value) => escapeHtml(str(value)))],
  [
    'format',
    (_, value, args, kwargs) => {
      if (args.length > 0 && kwargs.size > 0) throw new TemplateError("can't handle positional and keyword arguments at the same time");
      return checkString(printf(str(value), kwargs.size > 0 ? new Map(kwargs) : new Tuple(args)));
    },
  ],
  [
    'groupby',
    filter(['attribute', 'default', 'case_sensitive'], 1, (_, value, attribute, fallback, caseSensitive) => {
      const get = attrGetter(attribute, fallback);
      const key = flag(caseSensitive) ? get : (x: Value) => lowerIfString(get(x));
      const groups: { key: Value; items: Value[] }[] = [];
      for (const item of sorted(iterate(value), key, false)) {
        const k = key(item);
        const last = groups[groups.length - 1];
        if (last && eq(last.key, k)) last.items.push(item);
        else groups.push({ key: k, items: [item] });
      }
      return groups.map((g) => new Tuple([flag(caseSensitive) ? g.key : get(g.items[0]), g.items], ['grouper', 'list']));
    }),
  ],
  ['indent', filter(['width', 'first', 'blank'], 0, (_, value, width, first, blank) => indent(value, width, flag(first), flag(blank)))],
  ['int', filter(['default', 'base'], 0, (_, value, fallback, base) => doInt(value, fallback, base))],
  [
    'items',
    filter([], 0, (_, value) => {
      if (value instanceof Undefined) return new Iter([]);
      const v = reveal(value);
      if (!(v instanceof Map)) throw new TemplateError('Can only get item pairs from a mapping.');
      return new Iter([...v].map(([k, item]) => new Tuple([k, item])));
    }),
  ],
  [
    'join',
    filter(['d', 'attribute'], 0, (_, value, separator, attribute) => {
      const get = attrGetter(attribute);
      return checkString(iterate(value).map((item) => str(get(item))).join(separator === undefined ? '' : str(separator)));
    }),
  ],
  [
    'last',
    filter([], 0, (_, value) => {
      const items = reversible(value);
      if (items === undefined) throw new TemplateError(`'${typeName(value)}' object is not reversible`);
      return items.length > 0 ? items[0] : new Undefined('No last item, sequence was empty.');
    }),
  ],
  ['length', filter([], 0, (_, value) => BigInt(len(value)))],
  ['list', filter([], 0, (_, value) => iterate(value))],
  ['lower', filter([], 0, (_, value) => str(value).toLowerCase())],
  [
    'map',
    (env, value, args, kwargs) => {
      if (!truthy(value)) return new Iter([]);
      let func: (item: Value) => Value;
      if (args.length === 0 && kwargs.has('attribute')) {
        const rest = new Map(kwargs);
        const attribute = rest.get('attribute');
        const fallback = rest.get('default');
        rest.delete('attribute');
        rest.delete('default');
        if (rest.size > 0) throw new TemplateError(`Unexpected keyword argument '${[...rest.keys()][0]}'`);
        func = attrGetter(attribute, fallback);
      } else {
        if (args.length === 0) throw new TemplateError('map requires a filter argument');
        const name = reveal(args[0]);
        if (typeof name !== 'string') throw new TemplateError('map requires a filter name');
        func = (item) => env.filter(name, item, args.slice(1), kwargs);
      }
      return new Iter(iterate(value).map(func));
    },
  ],
  ['max', (_, value, args, kwargs) => minOrMax(value, args, kwargs, true)],
  ['min', (_, value, args, kwargs) => minOrMax(value, args, kwargs, false)],
  ['pprint', filter([], 0, (_, value) => repr(value))],
  [
    'random',
    filter([], 0, (_, value) => {
      const items = iterate(value);
      return items.length > 0 ? items[Math.floor(Math.random() * items.length)] : new Undefined('No random item, sequence was empty.');
    }),
  ],
  ['reject', (env, value, args, kwargs) => selectOrReject(env, value, args, kwargs, false, false)],
  ['rejectattr', (env, value, args, kwargs) => selectOrReject(env, value, args, kwargs, false, true)],
  [
    'replace',
    filter(['old', 'new', 'count'], 2, (_, value, old, replacement, count) => {
      const method = methodOf(str(value), 'replace')!;
      const c = arg(count);
      return method.call([str(old!), str(replacement!), ...(c === undefined || c === null ? [] : [c])], new Map());
    }),
  ],
  [
    'reverse',
    filter([], 0, (_, value) => {
      const v = reveal(value);
      if (typeof v === 'string') return Array.from(v).reverse().join('');
      const items = reversible(v);
      if (items !== undefined) return new Iter(items, Array.isArray(v) ? 'list_reverseiterator' : 'reversed');
      return iterate(v).reverse();
    }),
  ],
  ['round', filter(['precision', 'method'], 0, (_, value, precision, method) => doRound(value, precision, method))],
  ['safe', filter([], 0, (_, value) => str(value))],
  ['select', (env, value, args, kwargs) => selectOrReject(env, value, args, kwargs, true, false)],
  ['selectattr', (env, value, args, kwargs) => selectOrReject(env, value, args, kwargs, true, true)],
  [
    'slice',
    filter(['slices', 'fill_with'], 1, (_, value, slicesArg, fill) => {
      const items = iterate(value);
      const slices = checkSize(optionalInt(slicesArg, 1, 'slices'), 'a number of slices', MAX_ITEMS);
      if (slices <= 0) throw new TemplateError('integer division or modulo by zero');
      const per = Math.floor(items.length / slices);
      const extra = items.length % slices;
      const out: Value[] = [];
      let offset = 0;
      for (let n = 0; n < slices; n++) {
        const start = offset + n * per;
        if (n < extra) offset++;
        const part = items.slice(start, offset + (n + 1) * per);
        if (fill !== undefined && arg(fill) !== null && n >= extra) part.push(fill);
        out.push(part);
      }
      return new Iter(out);
    }),
  ],
  [
    'sort',
    filter(['reverse', 'case_sensitive', 'attribute'], 0, (_, value, reverse, caseSensitive, attribute) => {
      const getters = (() => {
        const a = arg(attribute);
        return typeof a === 'string' ? a.split(',').map((part) => attrGetter(part)) : [attrGetter(a)];
      })();
      const key = (item: Value): Value => {
        const keys = getters.map((get) => (flag(caseSensitive) ? get(item) : lowerIfString(get(item))));
        return keys.length === 1 ? keys[0] : keys;
      };
      return sorted(iterate(value), key, flag(reverse));
    }),
  ],
  ['string', filter([], 0, (_, value) => str(value))],
  [
    'striptags',
    filter([], 0, (_, value) => {
      const withoutTags = str(value).replace(/<!--[\s\S]*?-->/g, '').replace(/<[\s\S]*?>/g, '');
      return unescapeHtml(strip(collapseSpace(withoutTags), null));
    }),
  ],
  [
    'sum',
    filter(['attribute', 'start'], 0, (_, value, attribute, start) => {
      const get = attrGetter(attribute);
      const first = start === undefined ? 0n : reveal(start);
      if (typeof first === 'string') throw new TemplateError("sum() can't sum strings [use ''.join(seq) instead]");
      if (Array.isArray(first)) {
        // Lists add up in place: adding copies would take quadratic time.
        const out = first.slice();
        for (const item of iterate(value)) {
          const v = reveal(get(item));
          if (!Array.isArray(v)) throw new TemplateError(`can only concatenate list (not "${typeName(v)}") to list`);
          checkSize(out.length + v.length, 'a list', MAX_ITEMS);
          out.push(...v);
        }
        return out;
      }
      return iterate(value).reduce((total: Value, item) => arithmetic('+', total, get(item)), first);
    }),
  ],
  ['title', filter([], 0, (_, value) => titleFilter(str(value)))],
  [
    'tojson',
    filter(['indent'], 0, (_, value, indentArg) => {
      const i = arg(indentArg);
      return checkString(toJson(value, i === undefined || i === null ? null : typeof i === 'string' ? i : ' '.repeat(checkSize(Math.max(0, toIndex(i, 'indent')), 'an indent'))));
    }),
  ],
  ['trim', filter(['chars'], 0, (_, value, chars) => strip(str(value), chars === undefined || arg(chars) === null ? null : str(chars)))],
  ['truncate', filter(['length', 'killwords', 'end', 'leeway'], 0, (_, value, length, killwords, end, leeway) => truncate(value, length, flag(killwords), end, leeway))],
  [
    'unique',
    filter(['case_sensitive', 'attribute'], 0, (_, value, caseSensitive, attribute) => {
      const get = attrGetter(attribute);
      const seen = new Set<unknown>();
      const out: Value[] = [];
      for (const item of iterate(value)) {
        const k = dictKey(flag(caseSensitive) ? get(item) : lowerIfString(get(item)));
        const normal = typeof k === 'boolean' ? BigInt(k) : typeof k === 'number' && Number.isInteger(k) ? BigInt(k) : k;
        if (seen.has(normal)) continue;
        seen.add(normal);
        out.push(item);
      }
      return new Iter(out);
    }),
  ],
  ['upper', filter([], 0, (_, value) => str(value).toUpperCase())],
  [
    'urlencode',
    filter([], 0, (_, value) => {
      const v = reveal(value);
      if (typeof v === 'string' || v === null || typeof v !== 'object' || v instanceof Callable) return urlQuote(v, false);
      const pairs = v instanceof Map ? [...v].map(([k, item]) => [k, item] as [Value, Value]) : iterate(v).map((pair) => iterate(pair) as [Value, Value]);
      return pairs.map(([k, item]) => `${urlQuote(k, true)}=${urlQuote(item, true)}`).join('&');
    }),
  ],
  // Python's `\w`: what str.isalnum() accepts (letters, numbers), and `_`; not combining marks.
  ['wordcount', filter([], 0, (_, value) => BigInt((str(value).match(/[\p{L}\p{N}_]+/gu) ?? []).length))],
  [
    'xmlattr',
    filter(['autospace'], 0, (_, value, autospace) => {
      const v = reveal(value);
      if (!(v instanceof Map)) throw new TemplateError(`'${typeName(v)}' object has no attribute 'items'`);
      const parts: string[] = [];
      for (const [k, item] of v) {
        const x = reveal(item);
        if (x === null || x instanceof Undefined) continue;
        const key = str(k);
        if (/[\s/>=]/.test(key)) throw new TemplateError(`Invalid character in attribute name: ${repr(key)}`);
        parts.push(`${escapeHtml(key)}="${escapeHtml(str(x))}"`);
      }
      const out = parts.join(' ');
      return out && (autospace === undefined || flag(autospace)) ? ` ${out}` : out;
    }),
  ],
  // A NoETL worker adds this filter to its Jinja2 environment (noetl/core/dsl/render.py).
  ['b64encode', filter([], 0, (_, value) => base64(value))],
];

export const FILTERS = new Map<string, Filter>(FILTER_TABLE);
FILTERS.set('d', FILTERS.get('default')!);
FILTERS.set('e', FILTERS.get('escape')!);

function test(params: string[], required: number, body: (value: Value, ...args: (Value | undefined)[]) => boolean): Test {
  return (_, value, args, kwargs, name) => body(value, ...bind(name, args, kwargs, params, required, params));
}

const comparison = (op: string): Test => test(['other'], 1, (value, other) => compareValues(op, value, other!));

function compareValues(op: string, a: Value, b: Value): boolean {
  switch (op) {
    case '==':
      return eq(a, b);
    case '!=':
      return !eq(a, b);
    case '<':
      return lessThan(a, b, op);
    case '>':
      return lessThan(b, a, op);
    case '<=':
      return lessThan(a, b, op) || eq(a, b);
    default:
      return lessThan(b, a, op) || eq(a, b);
  }
}

const isSameAs = (value: Value, other: Value): boolean => {
  const a = reveal(value);
  const b = reveal(other);
  if (typeof a === 'bigint' && typeof b === 'bigint') return a === b && a >= -5n && a <= 256n;
  if (typeof a === 'string' || typeof a === 'number') return false;
  return a === b;
};

const TEST_TABLE: [string, Test][] = [
  ['odd', test([], 0, (value) => eq(arithmetic('%', value, 2n), 1n))],
  ['even', test([], 0, (value) => eq(arithmetic('%', value, 2n), 0n))],
  ['divisibleby', test(['num'], 1, (value, n) => eq(arithmetic('%', value, n!), 0n))],
  ['defined', (env, value) => (value instanceof Undefined ? (env.covered(value), false) : true)],
  ['undefined', (env, value) => (value instanceof Undefined ? (env.covered(value), true) : false)],
  ['none', test([], 0, (value) => reveal(value) === null)],
  ['boolean', test([], 0, (value) => typeof reveal(value) === 'boolean')],
  ['false', test([], 0, (value) => reveal(value) === false)],
  ['true', test([], 0, (value) => reveal(value) === true)],
  ['integer', test([], 0, (value) => typeof reveal(value) === 'bigint')],
  ['float', test([], 0, (value) => typeof reveal(value) === 'number')],
  ['lower', test([], 0, (value) => methodOf(str(value), 'islower')!.call([], new Map()) === true)],
  ['upper', test([], 0, (value) => methodOf(str(value), 'isupper')!.call([], new Map()) === true)],
  ['string', test([], 0, (value) => typeof reveal(value) === 'string')],
  ['mapping', test([], 0, (value) => reveal(value) instanceof Map)],
  ['number', test([], 0, (value) => isNumber(reveal(value)))],
  [
    'sequence',
    test([], 0, (value) => {
      const v = reveal(value);
      return typeof v === 'string' || Array.isArray(v) || v instanceof Tuple || v instanceof Map || v instanceof Range;
    }),
  ],
  [
    'iterable',
    test([], 0, (value) => {
      const v = reveal(value);
      if (v instanceof Undefined && !v.lenient) throw undefinedError(v);
      return typeof v === 'string' || Array.isArray(v) || v instanceof Tuple || v instanceof Map || v instanceof DictView || v instanceof Range || v instanceof Iter || v instanceof Undefined;
    }),
  ],
  ['callable', test([], 0, (value) => reveal(value) instanceof Callable)],
  ['sameas', test(['other'], 1, (value, other) => isSameAs(value, other!))],
  ['escaped', test([], 0, () => false)],
  ['in', test(['seq'], 1, (value, seq) => contains(seq!, value))],
  ['filter', test([], 0, (value) => FILTERS.has(str(value)))],
  ['test', test([], 0, (value) => TESTS.has(str(value)))],
  ['==', comparison('==')],
  ['eq', comparison('==')],
  ['equalto', comparison('==')],
  ['!=', comparison('!=')],
  ['ne', comparison('!=')],
  ['>', comparison('>')],
  ['gt', comparison('>')],
  ['greaterthan', comparison('>')],
  ['>=', comparison('>=')],
  ['ge', comparison('>=')],
  ['<', comparison('<')],
  ['lt', comparison('<')],
  ['lessthan', comparison('<')],
  ['<=', comparison('<=')],
  ['le', comparison('<=')],
];

export const TESTS = new Map<string, Test>(TEST_TABLE);
