/**
 * Python's text rules, as Jinja2 applies them: what counts as whitespace, how `repr()` quotes a
 * string, how a float prints (`1e+16`, `0.1`, `2.0`), and decimal rounding that is exact (half to
 * even on the binary value, as Python's `round`, `'%.2f'` and `format` do), not JavaScript's.
 */
import { TemplateError } from './common.js';

/** Characters `str.isspace()` accepts (and `\s` matches in Python's `re` on str). */
const SPACE = '\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
export const SPACE_CLASS = `[${SPACE}]`;
const SPACE_RE = new RegExp(`^${SPACE_CLASS}$`, 'u');
const LEADING_SPACE = new RegExp(`^${SPACE_CLASS}+`, 'u');
const TRAILING_SPACE = new RegExp(`${SPACE_CLASS}+$`, 'u');
const SPACE_RUNS = new RegExp(`${SPACE_CLASS}+`, 'gu');

export const isSpace = (ch: string): boolean => SPACE_RE.test(ch);

/** `str.strip/lstrip/rstrip(chars)`: whitespace by default, else any of `chars`. */
export function strip(s: string, chars: string | null, side: 'both' | 'left' | 'right' = 'both'): string {
  if (chars === null) {
    let out = s;
    if (side !== 'right') out = out.replace(LEADING_SPACE, '');
    if (side !== 'left') out = out.replace(TRAILING_SPACE, '');
    return out;
  }
  const set = new Set(Array.from(chars));
  const points = Array.from(s);
  let start = 0;
  let end = points.length;
  if (side !== 'right') while (start < end && set.has(points[start])) start++;
  if (side !== 'left') while (end > start && set.has(points[end - 1])) end--;
  return points.slice(start, end).join('');
}

/** `str.split(sep=None, maxsplit=-1)` and `str.rsplit`. */
export function split(s: string, sep: string | null, maxsplit: number, fromRight = false): string[] {
  if (sep === '') throw new TemplateError('empty separator');
  const limit = maxsplit < 0 ? Infinity : maxsplit;
  if (sep === null) {
    const words: { text: string; start: number; end: number }[] = [];
    for (const m of s.matchAll(new RegExp(`[^${SPACE}]+`, 'gu'))) words.push({ text: m[0], start: m.index, end: m.index + m[0].length });
    if (words.length <= limit + 1 || limit === Infinity) return words.map((w) => w.text);
    if (!fromRight) {
      const head = words.slice(0, limit).map((w) => w.text);
      return [...head, strip(s.slice(words[limit].start), null, 'right')];
    }
    const tail = words.slice(words.length - limit).map((w) => w.text);
    return [strip(s.slice(0, words[words.length - limit - 1].end), null, 'left'), ...tail];
  }
  const parts = s.split(sep);
  if (parts.length <= limit + 1) return parts;
  if (!fromRight) return [...parts.slice(0, limit), parts.slice(limit).join(sep)];
  return [parts.slice(0, parts.length - limit).join(sep), ...parts.slice(parts.length - limit)];
}

/** `str.splitlines(keepends)`: Python's line boundaries. */
export function splitlines(s: string, keepends: boolean): string[] {
  const lines: string[] = [];
  const boundary = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/g;
  let last = 0;
  for (const m of s.matchAll(boundary)) {
    lines.push(s.slice(last, keepends ? m.index + m[0].length : m.index));
    last = m.index + m[0].length;
  }
  if (last < s.length) lines.push(s.slice(last));
  return lines;
}

/** Unicode's Cased property (Python's notion: ĸ and ª are cased though they have no other case). */
const cased = (ch: string) => /\p{Cased}/u.test(ch);
const lower = (ch: string) => /\p{Lowercase}/u.test(ch);
const upper = (ch: string) => /\p{Uppercase}/u.test(ch);

/** `str.islower()` / `str.isupper()`: at least one cased character, and every cased one of that case. */
export function isCase(s: string, which: 'lower' | 'upper'): boolean {
  const points = Array.from(s).filter(cased);
  return points.length > 0 && points.every(which === 'lower' ? lower : upper);
}

/** `str.istitle()`: uppercase and titlecase letters only after uncased ones, lowercase only after cased ones. */
export function isTitle(s: string): boolean {
  let seen = false;
  let previousCased = false;
  for (const ch of s) {
    if (upper(ch) || /\p{Lt}/u.test(ch)) {
      if (previousCased) return false;
      previousCased = seen = true;
    } else if (lower(ch)) {
      if (!previousCased) return false;
      previousCased = seen = true;
    } else {
      previousCased = false;
    }
  }
  return seen;
}

/**
 * Unicode titlecase where it is not the uppercase (JavaScript has no titlecase): the Latin
 * digraphs and ligatures, ß, the Armenian ligatures, Greek letters with ypogegrammeni.
 */
const TITLECASE = new Map<string, string>([
  ...['\u01c4', '\u01c5', '\u01c6'].map((c) => [c, '\u01c5'] as [string, string]),
  ...['\u01c7', '\u01c8', '\u01c9'].map((c) => [c, '\u01c8'] as [string, string]),
  ...['\u01ca', '\u01cb', '\u01cc'].map((c) => [c, '\u01cb'] as [string, string]),
  ...['\u01f1', '\u01f2', '\u01f3'].map((c) => [c, '\u01f2'] as [string, string]),
  ['\u00df', 'Ss'],
  ['\ufb00', 'Ff'],
  ['\ufb01', 'Fi'],
  ['\ufb02', 'Fl'],
  ['\ufb03', 'Ffi'],
  ['\ufb04', 'Ffl'],
  ['\ufb05', 'St'],
  ['\ufb06', 'St'],
  ['\u0587', '\u0535\u0582'],
  ['\ufb13', '\u0544\u0576'],
  ['\ufb14', '\u0544\u0565'],
  ['\ufb15', '\u0544\u056b'],
  ['\ufb16', '\u054e\u0576'],
  ['\ufb17', '\u0544\u056d'],
  ...Array.from({ length: 48 }, (_, i) => [String.fromCharCode(0x1f80 + i), String.fromCharCode(0x1f88 + (i & ~15) + (i & 7))] as [string, string]),
  ['\u1fb3', '\u1fbc'],
  ['\u1fbc', '\u1fbc'],
  ['\u1fc3', '\u1fcc'],
  ['\u1fcc', '\u1fcc'],
  ['\u1ff3', '\u1ffc'],
  ['\u1ffc', '\u1ffc'],
]);

const titlecase = (ch: string): string => TITLECASE.get(ch) ?? ch.toUpperCase();

/** Lowercases `rest`, which follows `head` in the text: the final sigma depends on what precedes it. */
function lowerAfter(head: string, rest: string): string {
  const lowered = (head + rest).toLowerCase();
  return lowered.slice(head.toLowerCase().length);
}

/** `str.title()`: a cased character after an uncased one starts a word, in titlecase; the rest of the word lowercase. */
export function titleMethod(s: string): string {
  let out = '';
  const points = Array.from(s);
  for (let i = 0; i < points.length; ) {
    if (!cased(points[i])) {
      out += points[i++];
      continue;
    }
    let j = i + 1;
    while (j < points.length && cased(points[j])) j++;
    out += titlecase(points[i]) + lowerAfter(points[i], points.slice(i + 1, j).join(''));
    i = j;
  }
  return out;
}

/** Jinja2's `title` filter: words start after whitespace, `-`, `(`, `{`, `[` or `<`. */
export function titleFilter(s: string): string {
  return s
    .split(new RegExp(`([-${SPACE}({\\[<]+)`, 'u'))
    .filter((item) => item !== '')
    .map((item) => {
      const [first, ...rest] = Array.from(item);
      return first.toUpperCase() + rest.join('').toLowerCase();
    })
    .join('');
}

/** `str.capitalize()`: the first character in titlecase, the rest lowercase. */
export function capitalize(s: string): string {
  const [first, ...rest] = Array.from(s);
  return first === undefined ? '' : titlecase(first) + lowerAfter(first, rest.join(''));
}

/** `str.swapcase()`; an uppercase sigma lowers to a final one where Python's rule says so. */
export function swapcase(s: string): string {
  const points = Array.from(s);
  return points
    .map((ch, i) => {
      if (upper(ch)) return ch === '\u03a3' ? lowerAfter(points.slice(0, i).join(''), points.slice(i).join('')).slice(0, 1) : ch.toLowerCase();
      // A titlecase letter (ǅ) is neither upper nor lower: Python leaves it.
      return lower(ch) ? ch.toUpperCase() : ch;
    })
    .join('');
}

/** `str.center(width, fill)`, with Python's choice of side for the odd character. */
export function center(s: string, width: number, fill = ' '): string {
  const length = Array.from(s).length;
  if (width <= length) return s;
  const margin = width - length;
  const left = Math.floor(margin / 2) + (margin & width & 1);
  return fill.repeat(left) + s + fill.repeat(margin - left);
}

/** A character `repr()` shows as itself (`str.isprintable()`). */
const NOT_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;

/** Python's `repr(str)`: single quotes unless the text has one and no double quote. */
export function reprString(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\t') out += '\\t';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else if (code < 0x7f || (ch !== ' ' && !NOT_PRINTABLE.test(ch))) out += ch;
    else if (code <= 0xff) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else if (code <= 0xffff) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += `\\U${code.toString(16).padStart(8, '0')}`;
  }
  return out + quote;
}

/** Python's `repr(float)` (also `str(float)`): shortest round-trip digits, exponent outside 1e-4..1e16. */
export function reprFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mantissa, exponentText] = x.toExponential().split('e');
  const exponent = Number(exponentText);
  const digits = mantissa.replace('-', '').replace('.', '');
  const sign = x < 0 ? '-' : '';
  if (exponent < -4 || exponent >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  if (exponent >= 0) {
    const whole = digits.slice(0, exponent + 1).padEnd(exponent + 1, '0');
    return `${sign}${whole}.${digits.slice(exponent + 1) || '0'}`;
  }
  return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
}

/**
 * The exact decimal expansion of a finite double: `digits` with the decimal point after
 * `point` digits (point may be ≤ 0 or > digits.length). Every double has a finite one.
 */
function exactDecimal(x: number): { negative: boolean; digits: string; point: number } {
  const negative = x < 0 || Object.is(x, -0);
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  const mantissa = biased === 0 ? fraction : fraction | (1n << 52n);
  const exponent = (biased === 0 ? 1 : biased) - 1075;
  if (mantissa === 0n) return { negative, digits: '0', point: 1 };
  if (exponent >= 0) {
    const digits = (mantissa << BigInt(exponent)).toString();
    return { negative, digits, point: digits.length };
  }
  const digits = (mantissa * 5n ** BigInt(-exponent)).toString();
  return { negative, digits, point: digits.length + exponent };
}

/** Rounds a digit string half to even, keeping `keep` digits (keep may be ≤ 0): the kept digits, and whether it carried into a new leading digit. */
function roundDigits(digits: string, keep: number): { digits: string; carried: boolean } {
  if (keep >= digits.length) return { digits: digits.padEnd(keep, '0'), carried: false };
  if (keep < 0) return { digits: '', carried: false };
  const head = digits.slice(0, keep);
  const first = digits.charCodeAt(keep) - 48;
  const restNonZero = /[1-9]/.test(digits.slice(keep + 1));
  const lastKept = keep > 0 ? head.charCodeAt(keep - 1) - 48 : 0;
  const up = first > 5 || (first === 5 && (restNonZero || lastKept % 2 === 1));
  if (!up) return { digits: head, carried: false };
  if (keep === 0) return { digits: '1', carried: true };
  const bumped = (BigInt(head) + 1n).toString().padStart(keep, '0');
  return bumped.length > keep ? { digits: bumped, carried: true } : { digits: bumped, carried: false };
}

/** `'%.{precision}f' % x`, exactly as Python rounds it. */
export function formatFixed(x: number, precision: number): string {
  if (!Number.isFinite(x)) return reprFloat(x);
  const { negative, digits, point } = exactDecimal(x);
  // Align so that the integer part has at least one digit.
  const padded = point <= 0 ? '0'.repeat(1 - point) + digits : digits;
  const intDigits = Math.max(point, 1);
  const rounded = roundDigits(padded, intDigits + precision);
  const all = rounded.digits;
  const intLength = all.length - precision;
  const whole = all.slice(0, intLength).replace(/^0+(?=\d)/, '');
  const frac = all.slice(intLength);
  return `${negative ? '-' : ''}${whole}${precision > 0 ? `.${frac}` : ''}`;
}

/** `'%.{precision}e' % x`: one digit, `precision` decimals, a signed exponent of two digits or more. */
export function formatExponent(x: number, precision: number, upper = false): string {
  if (!Number.isFinite(x)) return upper ? reprFloat(x).toUpperCase() : reprFloat(x);
  const { negative, digits, point } = exactDecimal(x);
  const firstNonZero = digits.search(/[1-9]/);
  let exponent = 0;
  let mantissa = '0'.repeat(precision + 1);
  if (firstNonZero >= 0) {
    const significant = digits.slice(firstNonZero);
    exponent = point - firstNonZero - 1;
    const rounded = roundDigits(significant, precision + 1);
    mantissa = rounded.digits.slice(0, precision + 1);
    if (rounded.carried) exponent++;
  }
  const body = precision > 0 ? `${mantissa[0]}.${mantissa.slice(1)}` : mantissa[0];
  return `${negative ? '-' : ''}${body}${upper ? 'E' : 'e'}${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
}

/** `'%.{precision}g' % x`; `alternate` keeps trailing zeros (the `#` flag). */
export function formatGeneral(x: number, precision: number, upper = false, alternate = false): string {
  if (!Number.isFinite(x)) return upper ? reprFloat(x).toUpperCase() : reprFloat(x);
  const p = precision === 0 ? 1 : precision;
  const exp = formatExponent(x, p - 1);
  const exponent = Number(exp.slice(exp.search(/e/) + 1));
  let out = exponent >= -4 && exponent < p ? formatFixed(x, p - 1 - exponent) : formatExponent(x, p - 1, upper);
  if (!alternate) {
    out = out.replace(/(\.\d*?)0+(?=$|[eE])/, '$1').replace(/\.(?=$|[eE])/, '');
  } else if (!out.includes('.')) {
    out = out.replace(/(?=[eE])|$/, '.');
  }
  return out;
}

/** Python's `round(x, ndigits)` for a float: the nearest double to the exactly rounded decimal. */
export function roundFloat(x: number, ndigits: number): number {
  if (!Number.isFinite(x)) return x;
  if (ndigits > 308) return x;
  if (ndigits >= 0) return Number(formatFixed(x, ndigits));
  const scale = 10 ** -ndigits;
  const rounded = Number(formatFixed(x / scale, 0)) * scale;
  return Object.is(rounded, 0) && x < 0 ? -0 : rounded;
}

/** Python's `float(text)`: a decimal literal with optional sign, underscores between digits, inf/nan. */
export function parseFloatStrict(text: string): number | undefined {
  const t = strip(text, null);
  const m = /^([+-]?)(?:(inf(?:inity)?|nan)|((?:\d(?:_?\d)*)?(?:\.(?:\d(?:_?\d)*)?)?)(?:[eE]([+-]?\d(?:_?\d)*))?)$/i.exec(t);
  if (!m) return undefined;
  if (m[2]) return m[2].toLowerCase().startsWith('inf') ? (m[1] === '-' ? -Infinity : Infinity) : NaN;
  const body = m[3];
  if (!/\d/.test(body)) return undefined;
  return Number(`${m[1]}${body.replace(/_/g, '')}${m[4] ? `e${m[4].replace(/_/g, '')}` : ''}`);
}

/** Python's `int(text, base)`: sign, optional prefix when base is 0 or matches, underscores between digits. */
export function parseIntStrict(text: string, base: number): bigint | undefined {
  let t = strip(text, null).toLowerCase();
  let negative = false;
  if (t.startsWith('+') || t.startsWith('-')) {
    negative = t.startsWith('-');
    t = t.slice(1);
  }
  const prefixes: Record<string, number> = { '0x': 16, '0o': 8, '0b': 2 };
  const prefix = prefixes[t.slice(0, 2)];
  if (prefix !== undefined && (base === 0 || base === prefix)) {
    base = prefix;
    t = t.slice(2).replace(/^_/, '');
  } else if (base === 0) {
    if (/^0+(_?0)*$/.test(t)) return 0n;
    if (t.startsWith('0')) return undefined;
    base = 10;
  }
  if (base < 2 || base > 36) throw new TemplateError('int() base must be >= 2 and <= 36, or 0');
  if (!/^[0-9a-z](_?[0-9a-z])*$/.test(t)) return undefined;
  let value = 0n;
  for (const ch of t.replace(/_/g, '')) {
    const digit = parseInt(ch, 36);
    if (digit >= base) return undefined;
    value = value * BigInt(base) + BigInt(digit);
  }
  return negative ? -value : value;
}

/** Collapses runs of Python whitespace to one space (striptags, wordcount helpers). */
export function collapseSpace(s: string): string {
  return s.replace(SPACE_RUNS, ' ');
}
