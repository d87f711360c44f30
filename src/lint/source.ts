/**
 * Source positions for linting: a file's text, its line index, and the mapping from an
 * offset inside a YAML scalar's *value* back to an offset in the *file* (plain, quoted and
 * block scalars fold lines, strip indentation and decode escapes, so the two differ).
 */
import type { YamlScalar } from './yaml-tree.js';

export interface Position {
  /** 1-based line. */
  line: number;
  /** 1-based column, in UTF-16 code units. */
  col: number;
}

export class SourceFile {
  private starts?: number[];
  constructor(
    /** The path as the user named it (or the --stdin-filename). */
    readonly path: string,
    readonly text: string,
  ) {}

  /** Offsets where each line starts (computed on first use). */
  get lineStarts(): number[] {
    if (this.starts === undefined) {
      const starts = [0];
      for (let i = this.text.indexOf('\n'); i >= 0; i = this.text.indexOf('\n', i + 1)) starts.push(i + 1);
      this.starts = starts;
    }
    return this.starts;
  }

  position(offset: number): Position {
    const at = Math.max(0, Math.min(offset, this.text.length));
    const starts = this.lineStarts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= at) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: at - starts[lo] + 1 };
  }

  /** The text of a 1-based line, without its line break. */
  lineText(line: number): string {
    const starts = this.lineStarts;
    const start = starts[line - 1] ?? this.text.length;
    let end = starts[line] ?? this.text.length;
    while (end > start && (this.text[end - 1] === '\n' || this.text[end - 1] === '\r')) end--;
    return this.text.slice(start, end);
  }
}

/** For each character of a scalar's value, the file offset it came from. */
export type ValueMap = (valueOffset: number) => number;

interface Decoded {
  value: string;
  map: number[];
}

const isBlank = (c: string | undefined) => c === ' ' || c === '\t';

/** Splits [from, to) into lines: [start, end) without the line break. */
function lines(text: string, from: number, to: number): [number, number][] {
  const out: [number, number][] = [];
  let s = from;
  for (let i = from; i < to; i++) {
    if (text[i] === '\n') {
      out.push([s, i > s && text[i - 1] === '\r' ? i - 1 : i]);
      s = i + 1;
    }
  }
  out.push([s, to]);
  return out;
}

const ESCAPES: Record<string, string> = {
  '0': '\0', a: '\x07', b: '\b', t: '\t', '\t': '\t', n: '\n', v: '\v', f: '\f', r: '\r', e: '\x1b', ' ': ' ', '"': '"', '/': '/', '\\': '\\', N: '\x85', _: '\xa0', L: '\u2028', P: '\u2029',
};
const HEX_LENGTH: Record<string, number> = { x: 2, u: 4, U: 8 };

/** Plain, single- and double-quoted scalars: line folding, `''`, and backslash escapes. */
function decodeFlow(text: string, from: number, to: number, style: 'plain' | 'single' | 'double'): Decoded {
  const out: string[] = [];
  const map: number[] = [];
  const push = (s: string, at: number) => {
    for (const ch of s.split('')) {
      out.push(ch);
      map.push(at);
    }
  };
  const ls = lines(text, from, to);
  let emptyLines = 0;
  let escapedBreak = false;
  let prevEnd = from;
  ls.forEach(([ls0, le0], index) => {
    let s = ls0;
    let e = le0;
    const last = index === ls.length - 1;
    if (index > 0) while (s < e && isBlank(text[s])) s++;
    if (!last) while (e > s && isBlank(text[e - 1]) && !(style === 'double' && text[e - 2] === '\\')) e--;
    if (index > 0) {
      if (s === e && !last) {
        emptyLines++;
        return;
      }
      if (!escapedBreak) {
        if (emptyLines > 0) for (let k = 0; k < emptyLines; k++) push('\n', prevEnd);
        else push(' ', prevEnd);
      }
      emptyLines = 0;
      escapedBreak = false;
    }
    for (let i = s; i < e; i++) {
      const c = text[i];
      if (style === 'single' && c === "'" && text[i + 1] === "'") {
        push("'", i);
        i++;
      } else if (style === 'double' && c === '\\') {
        const n = text[i + 1];
        if (i + 1 >= e) {
          escapedBreak = true;
          break;
        }
        if (n in ESCAPES) {
          push(ESCAPES[n], i);
          i++;
        } else if (n in HEX_LENGTH) {
          const len = HEX_LENGTH[n];
          push(String.fromCodePoint(parseInt(text.slice(i + 2, i + 2 + len), 16) || 0), i);
          i += 1 + len;
        } else {
          push(n, i);
          i++;
        }
      } else push(c, i);
    }
    prevEnd = e;
  });
  return { value: out.join(''), map };
}

/** Block scalars (`|`, `>`, with indicators): indentation stripped, folding for `>`. */
function decodeBlock(text: string, node: YamlScalar): Decoded | undefined {
  const [start, end] = node.range;
  const newline = text.indexOf('\n', start);
  if (newline < 0 || newline >= end) return { value: '', map: [] };
  const indicators = /^[|>]([-+1-9]*)/.exec(text.slice(start, newline))?.[1] ?? '';
  const folded = text[start] === '>';
  const explicit = /[1-9]/.exec(indicators);
  const ls = lines(text, newline + 1, end);
  let indent: number;
  if (explicit) {
    if (node.parentIndent === undefined) return undefined;
    indent = node.parentIndent + Number(explicit[0]);
  } else {
    const first = ls.find(([s, e]) => text.slice(s, e).trim() !== '');
    if (first === undefined) return { value: '', map: [] };
    indent = 0;
    while (text[first[0] + indent] === ' ') indent++;
  }
  const out: string[] = [];
  const map: number[] = [];
  let pendingBreak: number | undefined;
  let emptyLines: number[] = [];
  let prevMoreIndented = false;
  for (const [s, e] of ls) {
    const content = s + indent;
    const empty = content >= e;
    if (empty) {
      emptyLines.push(s);
      continue;
    }
    const moreIndented = isBlank(text[content]);
    if (pendingBreak !== undefined) {
      if (folded && !moreIndented && !prevMoreIndented && emptyLines.length === 0) {
        out.push(' ');
        map.push(pendingBreak);
      } else if (folded && !moreIndented && !prevMoreIndented) {
        for (const at of emptyLines) {
          out.push('\n');
          map.push(at);
        }
      } else {
        out.push('\n');
        map.push(pendingBreak);
        for (const at of emptyLines) {
          out.push('\n');
          map.push(at);
        }
      }
    } else {
      for (const at of emptyLines) {
        out.push('\n');
        map.push(at);
      }
    }
    emptyLines = [];
    for (let i = content; i < e; i++) {
      out.push(text[i]);
      map.push(i);
    }
    pendingBreak = e;
    prevMoreIndented = moreIndented;
  }
  return { value: out.join(''), map };
}

const stripTrailingBreaks = (s: string) => s.replace(/\n+$/, '');

/**
 * The mapping from offsets in `node.value` (a string scalar) to file offsets. When the
 * decoding here does not reproduce the parser's value exactly (an exotic form), every
 * offset maps to the scalar's start: a coarser but never wrong position.
 */
export function scalarValueMap(text: string, node: YamlScalar): ValueMap {
  const [start, valueEnd] = node.range;
  const value = typeof node.value === 'string' ? node.value : String(node.value);
  let decoded: Decoded | undefined;
  switch (node.style) {
    case 'plain':
      decoded = decodeFlow(text, start, valueEnd, 'plain');
      break;
    case 'single':
      decoded = decodeFlow(text, start + 1, valueEnd - 1, 'single');
      break;
    case 'double':
      decoded = decodeFlow(text, start + 1, valueEnd - 1, 'double');
      break;
    default:
      decoded = decodeBlock(text, node);
  }
  if (decoded !== undefined && (decoded.value === value || stripTrailingBreaks(decoded.value) === stripTrailingBreaks(value))) {
    const map = decoded.map;
    const endOffset = map.length > 0 ? map[map.length - 1] + 1 : start;
    return (i) => (i < map.length ? map[i] : endOffset);
  }
  return () => start;
}
