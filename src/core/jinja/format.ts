/**
 * Python's string formatting: `'%s-%05.2f' % (a, b)` (and the `format` filter) and
 * `'{0} {name!r:>10}'.format(…)`. A replacement field's `.attr` and `[key]` go through the
 * template's own attribute lookup (passed in), so formatting reaches nothing a template could not.
 */
import { TemplateError } from './common.js';
import { formatExponent, formatFixed, formatGeneral, reprFloat } from './text.js';
import { checkSize, isInt, isNumber, repr, reveal, str, toIndex, Tuple, typeName, Undefined, undefinedError, type Open, type Value } from './values.js';

const PRINTF = /%(?:\(([^)]*)\))?([#0\- +]*)(\*|\d+)?(?:\.(\*|\d*))?[hlL]?(.?)/gs;

/** `format % args`. */
export function printf(format: string, argsValue: Open): string {
  const positional = argsValue instanceof Tuple ? argsValue.items : [argsValue];
  const mapping = argsValue instanceof Map ? argsValue : undefined;
  // Python treats any subscriptable non-tuple, non-str right operand as a mapping: no "not all converted".
  const mappingLike = !(argsValue instanceof Tuple) && typeof argsValue !== 'string' && (argsValue instanceof Map || Array.isArray(argsValue));
  let next = 0;
  const take = (): Value => {
    if (next >= positional.length) throw new TemplateError('not enough arguments for format string');
    return positional[next++];
  };
  let out = '';
  let last = 0;
  for (const m of format.matchAll(PRINTF)) {
    out += format.slice(last, m.index);
    last = m.index + m[0].length;
    const [, key, flags, widthText, precisionText, type] = m;
    if (type === '') throw new TemplateError('incomplete format');
    if (type === '%' && key === undefined) {
      out += '%';
      continue;
    }
    let value: Value;
    const width = checkSize(widthText === '*' ? toIndex(take(), '* wants int') : widthText === undefined ? 0 : Number(widthText), 'a width');
    const precision = precisionText === '*' ? toIndex(take(), '* wants int') : precisionText === undefined ? undefined : Number(precisionText || '0');
    if (precision !== undefined) checkSize(precision, 'a precision');
    if (key !== undefined) {
      if (!mapping) throw new TemplateError('format requires a mapping');
      if (!mapping.has(key)) throw new TemplateError(`KeyError: ${repr(key)}`);
      value = mapping.get(key)!;
    } else {
      value = take();
    }
    out += convert(value, type, flags, width, precision);
  }
  out += format.slice(last);
  if (next < positional.length && !mappingLike) {
    throw new TemplateError('not all arguments converted during string formatting');
  }
  return out;
}

function convert(value: Value, type: string, flags: string, width: number, precision: number | undefined): string {
  const left = flags.includes('-');
  const zero = flags.includes('0') && !left;
  const sign = flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : '';
  const alternate = flags.includes('#');
  const pad = (body: string, numeric: boolean): string => {
    if (body.length >= width) return body;
    if (left) return body.padEnd(width);
    if (numeric && zero) {
      const head = /^[-+ ]?(0[xXob])?/.exec(body)![0];
      return head + body.slice(head.length).padStart(width - head.length, '0');
    }
    return body.padStart(width);
  };
  const v = reveal(value);
  switch (type) {
    case 's':
    case 'r':
    case 'a': {
      let text = type === 's' ? str(v) : type === 'r' ? repr(v) : ascii(repr(v));
      if (precision !== undefined) text = Array.from(text).slice(0, precision).join('');
      return pad(text, false);
    }
    case 'c': {
      const text = typeof v === 'string' && Array.from(v).length === 1 ? v : isInt(v) ? String.fromCodePoint(toIndex(v, '%c')) : undefined;
      if (text === undefined) throw new TemplateError('%c requires int or char');
      return pad(text, false);
    }
    case 'd':
    case 'i':
    case 'u':
    case 'o':
    case 'x':
    case 'X': {
      const decimal = type === 'd' || type === 'i' || type === 'u';
      if (!isNumber(v) || (!decimal && typeof v === 'number')) {
        if (v instanceof Undefined) throw undefinedError(v);
        throw new TemplateError(decimal ? `%${type} format: a real number is required, not ${typeName(v)}` : `%${type} format: an integer is required, not ${typeName(v)}`);
      }
      const n = integerOf(v);
      const magnitude = n < 0n ? -n : n;
      let digits = decimal ? magnitude.toString() : type === 'o' ? magnitude.toString(8) : magnitude.toString(16);
      if (type === 'X') digits = digits.toUpperCase();
      if (precision !== undefined) digits = digits.padStart(precision, '0');
      const prefix = alternate && !decimal ? (type === 'o' ? '0o' : type === 'x' ? '0x' : '0X') : '';
      return pad((n < 0n ? '-' : sign) + prefix + digits, true);
    }
    case 'e':
    case 'E':
    case 'f':
    case 'F':
    case 'g':
    case 'G': {
      if (!isNumber(v)) {
        if (v instanceof Undefined) throw undefinedError(v);
        throw new TemplateError(`must be real number, not ${typeName(v)}`);
      }
      const x = typeof v === 'number' ? v : Number(integerOf(v));
      const p = precision ?? 6;
      let body = type === 'f' || type === 'F' ? formatFixed(x, p) : type === 'e' || type === 'E' ? formatExponent(x, p, type === 'E') : formatGeneral(x, p, type === 'G', alternate);
      if (type === 'F') body = body.toUpperCase();
      if (alternate && (type === 'f' || type === 'F') && p === 0) body += '.';
      if (!body.startsWith('-')) body = sign + body;
      return pad(body, Number.isFinite(x));
    }
    default:
      throw new TemplateError(`unsupported format character '${type}' (0x${type.charCodeAt(0).toString(16)})`);
  }
}

function integerOf(v: bigint | boolean | number): bigint {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new TemplateError(`cannot convert float ${reprFloat(v)} to integer`);
    return BigInt(Math.trunc(v));
  }
  return typeof v === 'boolean' ? (v ? 1n : 0n) : v;
}

/** Python's `ascii()` applied to a repr: non-ASCII characters escaped. */
function ascii(text: string): string {
  return Array.from(text, (ch) => {
    const code = ch.codePointAt(0)!;
    if (code < 0x80) return ch;
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : code <= 0xffff ? `\\u${code.toString(16).padStart(4, '0')}` : `\\U${code.toString(16).padStart(8, '0')}`;
  }).join('');
}

export interface FieldAccess {
  attr(value: Value, name: string): Value;
  item(value: Value, key: Value): Value;
}

/** `format.format(*args, **kwargs)`. */
export function strFormat(format: string, args: Value[], kwargs: Map<string, Value>, access: FieldAccess, depth = 0): string {
  if (depth > 2) throw new TemplateError('Max string recursion exceeded');
  let out = '';
  let auto = 0;
  let numbering: 'auto' | 'manual' | undefined;
  let i = 0;
  while (i < format.length) {
    const ch = format[i];
    if (ch === '}') {
      if (format[i + 1] !== '}') throw new TemplateError("Single '}' encountered in format string");
      out += '}';
      i += 2;
      continue;
    }
    if (ch !== '{') {
      out += ch;
      i++;
      continue;
    }
    if (format[i + 1] === '{') {
      out += '{';
      i += 2;
      continue;
    }
    // A replacement field: find its end, allowing nested {} in the format spec.
    let level = 1;
    let j = i + 1;
    for (; j < format.length && level > 0; j++) {
      if (format[j] === '{') level++;
      else if (format[j] === '}') level--;
    }
    if (level > 0) throw new TemplateError("expected '}' before end of string");
    const field = format.slice(i + 1, j - 1);
    i = j;
    const m = /^([^.[!:]*)((?:\.[^.[!:]*|\[[^\]]*\])*)(?:!([^:]*))?(?::(.*))?$/s.exec(field);
    if (!m) throw new TemplateError(`invalid replacement field '${field}'`);
    const [, argName, path, conversion, specText] = m;
    let value: Value;
    if (argName === '') {
      if (numbering === 'manual') throw new TemplateError('cannot switch from manual field specification to automatic field numbering');
      numbering = 'auto';
      value = positionalArg(args, auto++);
    } else if (/^\d+$/.test(argName)) {
      if (numbering === 'auto') throw new TemplateError('cannot switch from automatic field numbering to manual field specification');
      numbering = 'manual';
      value = positionalArg(args, Number(argName));
    } else {
      if (!kwargs.has(argName)) throw new TemplateError(`KeyError: ${repr(argName)}`);
      value = kwargs.get(argName)!;
    }
    for (const part of path.match(/\.[^.[]*|\[[^\]]*\]/g) ?? []) {
      if (part.startsWith('.')) {
        if (part.length === 1) throw new TemplateError('Empty attribute in format string');
        value = access.attr(value, part.slice(1));
      } else {
        const key = part.slice(1, -1);
        value = access.item(value, /^\d+$/.test(key) ? BigInt(key) : key);
      }
      if (value instanceof Undefined) throw undefinedError(value);
    }
    if (conversion === 'r') value = repr(value);
    else if (conversion === 's') value = str(value);
    else if (conversion === 'a') value = ascii(repr(value));
    else if (conversion !== undefined) throw new TemplateError(`Unknown conversion specifier ${conversion}`);
    const spec = specText === undefined ? '' : strFormat(specText, args, kwargs, access, depth + 1);
    out += formatValue(value, spec);
  }
  return out;
}

function positionalArg(args: Value[], index: number): Value {
  if (index >= args.length) throw new TemplateError(`Replacement index ${index} out of range for positional args tuple`);
  return args[index];
}

const SPEC = /^(?:(.)?([<>=^]))?([-+ ])?(z)?(#)?(0)?(\d+)?([,_])?(?:\.(\d+))?([bcdeEfFgGnosxX%])?$/su;

/** Python's `format(value, spec)`. */
export function formatValue(value: Value, spec: string): string {
  const v = reveal(value);
  if (spec === '') return str(v);
  const m = SPEC.exec(spec);
  if (!m) throw new TemplateError(`Invalid format specifier '${spec}' for object of type '${typeName(v)}'`);
  const [, fillChar, alignChar, signChar, , alternate, zero, widthText, grouping, precisionText, type] = m;
  const width = checkSize(widthText === undefined ? 0 : Number(widthText), 'a width');
  const precision = precisionText === undefined ? undefined : checkSize(Number(precisionText), 'a precision');
  const fill = fillChar ?? (zero && !alignChar ? '0' : ' ');
  let align = alignChar ?? (zero ? '=' : undefined);
  let body: string;
  let numeric = true;
  if (typeof v === 'string') {
    if (type !== undefined && type !== 's') throw new TemplateError(`Unknown format code '${type}' for object of type 'str'`);
    if (signChar || align === '=') throw new TemplateError('Sign not allowed in string format specifier');
    body = precision === undefined ? v : Array.from(v).slice(0, precision).join('');
    numeric = false;
    align ??= '<';
  } else if (isInt(v) && (type === undefined || 'bcdoxXn'.includes(type))) {
    const n = typeof v === 'boolean' ? (v ? 1n : 0n) : v;
    if (precision !== undefined) throw new TemplateError('Precision not allowed in integer format specifier');
    const magnitude = n < 0n ? -n : n;
    const radix = type === 'b' ? 2 : type === 'o' ? 8 : type === 'x' || type === 'X' ? 16 : 10;
    let digits = type === 'c' ? String.fromCodePoint(Number(n)) : magnitude.toString(radix);
    if (type === 'X') digits = digits.toUpperCase();
    if (grouping === ',' && radix !== 10) throw new TemplateError(`Cannot specify ',' with '${type}'.`);
    if (grouping) digits = group(digits, grouping, radix === 10 ? 3 : 4);
    const prefix = alternate && radix !== 10 ? `0${type === 'X' ? 'X' : (type ?? 'd')}` : '';
    body = signOf(n < 0n, signChar) + prefix + digits;
  } else if (isNumber(v)) {
    const x = typeof v === 'number' ? v : Number(v);
    const p = precision ?? 6;
    switch (type) {
      case 'f':
      case 'F':
        body = formatFixed(Math.abs(x), p);
        break;
      case 'e':
      case 'E':
        body = formatExponent(Math.abs(x), p, type === 'E');
        break;
      case 'g':
      case 'G':
      case 'n':
        body = formatGeneral(Math.abs(x), p, type === 'G', Boolean(alternate));
        break;
      case '%':
        body = `${formatFixed(Math.abs(x) * 100, p)}%`;
        break;
      default:
        body = precision === undefined ? reprFloat(Math.abs(x)) : generalWithPoint(Math.abs(x), precision);
    }
    if (type === 'F') body = body.toUpperCase();
    if (grouping) body = body.replace(/^\d+/, (d) => group(d, grouping));
    body = signOf(x < 0 || Object.is(x, -0), signChar) + body;
  } else {
    if (v instanceof Undefined) throw undefinedError(v);
    throw new TemplateError(`unsupported format string passed to ${typeName(v)}.__format__`);
  }
  return alignText(body, width, fill, align ?? (numeric ? '>' : '<'));
}

function signOf(negative: boolean, sign: string | undefined): string {
  return negative ? '-' : sign === '+' ? '+' : sign === ' ' ? ' ' : '';
}

/** Digits in groups of `size` from the right (`1,234,567`, `dead_beef`). */
function group(digits: string, separator: string, size = 3): string {
  return digits.replace(new RegExp(`\\B(?=([0-9a-zA-Z]{${size}})+(?![0-9a-zA-Z]))`, 'g'), separator);
}

/**
 * Format code None with a precision: like 'g', but scientific from an exponent of p - 1 on,
 * and a fixed-point result keeps a digit after the point (Python's format spec).
 */
function generalWithPoint(x: number, precision: number): string {
  const p = precision === 0 ? 1 : precision;
  const exp = formatExponent(x, p - 1);
  const exponent = Number(exp.slice(exp.search(/e/) + 1));
  if (exponent >= -4 && exponent < p - 1) {
    const fixed = formatFixed(x, p - 1 - exponent).replace(/(\.\d*?)0+$/, '$1');
    return fixed.endsWith('.') ? `${fixed}0` : fixed.includes('.') ? fixed : `${fixed}.0`;
  }
  return exp.replace(/\.?0+(?=e)/, '');
}

function alignText(body: string, width: number, fill: string, align: string): string {
  const length = Array.from(body).length;
  if (length >= width) return body;
  const gap = width - length;
  switch (align) {
    case '<':
      return body + fill.repeat(gap);
    case '^':
      return fill.repeat(Math.floor(gap / 2)) + body + fill.repeat(gap - Math.floor(gap / 2));
    case '=': {
      const head = /^[-+ ]?(0[bBoOxX])?/.exec(body)![0];
      return head + fill.repeat(gap) + body.slice(head.length);
    }
    default:
      return fill.repeat(gap) + body;
  }
}
