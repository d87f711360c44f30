/**
 * JSON input parsed with bounded work: one linear pass (no regular expression over the whole
 * text: a recursive one overflowed on an 8 MB string), nesting at most MAX_NESTING_DEPTH
 * levels. Errors say where the text is broken, never what it holds: JSON.parse quotes the
 * text around an error, and the input is often secret. YAML is in structured.ts.
 */
import { NoetlError } from './errors.js';

/**
 * Deeper input is refused: every recursive walk over a value (masking, printing, JSON.stringify)
 * would overflow the stack long before 100k levels, and yaml's parser near 800. No real
 * credential, token or step result comes near it.
 */
export const MAX_NESTING_DEPTH = 512;


/** The error for input nested deeper than MAX_NESTING_DEPTH. */
export const tooDeep = (source: string) =>
  new NoetlError('invalid', `${source}: nested more than ${MAX_NESTING_DEPTH} levels deep: flatten it`, { reason: 'refused' });

/** Integer literals that JSON.parse would round: beyond 2^53, written as plain integers. */
const JSON_INTEGER = /^-?(0|[1-9][0-9]*)$/;

/** Characters a JSON number is made of; a number token is a maximal run of them. */
function isNumberChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2b || c === 0x2e || c === 0x65 || c === 0x45;
}

/**
 * One pass over JSON text: refuses nesting deeper than MAX_NESTING_DEPTH and returns where
 * the integer literals beyond 2^53 are ([start, end) offsets). Strings are skipped with
 * indexOf, so a 50 MB string costs one native scan. Text that is not JSON is left for
 * JSON.parse to report: quoting whole number tokens never turns invalid JSON into valid JSON.
 */
function scanJson(text: string, source: string): [number, number][] {
  const unsafeIntegers: [number, number][] = [];
  let depth = 0;
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // The closing quote is the first one not preceded by an odd run of backslashes.
      let from = i + 1;
      for (;;) {
        const quote = text.indexOf('"', from);
        if (quote === -1) return unsafeIntegers;
        let backslashes = 0;
        while (text.charCodeAt(quote - 1 - backslashes) === 0x5c) backslashes++;
        if (backslashes % 2 === 0) {
          i = quote + 1;
          break;
        }
        from = quote + 1;
      }
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_NESTING_DEPTH) throw tooDeep(source);
      i++;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
      i++;
    } else if (isNumberChar(c)) {
      let end = i + 1;
      while (end < text.length && isNumberChar(text.charCodeAt(end))) end++;
      // 16 characters at least: every integer of 15 digits or fewer is safe.
      if (end - i >= 16) {
        const token = text.slice(i, end);
        if (JSON_INTEGER.test(token) && !Number.isSafeInteger(Number(token))) unsafeIntegers.push([i, end]);
      }
      i = end;
    } else {
      i++;
    }
  }
  return unsafeIntegers;
}

/** Where JSON.parse stopped, as line and column; never the text around it. */
function jsonErrorWhere(message: string, text: string): string {
  const at = /at position (\d+)/.exec(message);
  if (at) {
    const before = text.slice(0, Number(at[1]));
    const line = before.split('\n').length;
    const col = before.length - before.lastIndexOf('\n');
    return `syntax error at line ${line}, column ${col}`;
  }
  if (/end of (JSON )?input/i.test(message)) return 'unexpected end of input (unclosed brace or string?)';
  return 'syntax error (unexpected character)';
}

function invalidJson(err: unknown, text: string, source: string): NoetlError {
  return new NoetlError('invalid', `${source}: invalid JSON: ${jsonErrorWhere((err as Error).message, text)}`, { reason: 'syntax' });
}

/** Refuses JSON text nested more than MAX_NESTING_DEPTH levels (NoetlError reason 'refused'), in one linear pass. */
export function checkJsonNesting(text: string, source = 'JSON'): void {
  scanJson(text, source);
}

/** JSON.parse of text already scanned; an error names the line and column only. */
function parseScanned(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw invalidJson(err, text, source);
  }
}

/** JSON.parse, nesting bounded; an error names the line and column only. */
export function parseJson(text: string, source = 'JSON'): unknown {
  scanJson(text, source);
  return parseScanned(text, source);
}

/**
 * JSON.parse, except that integers beyond 2^53 (64-bit ids in step results) become exact
 * decimal strings instead of rounded numbers. Nesting is bounded (NoetlError reason 'refused');
 * text that is not JSON is an NoetlError reason 'syntax' naming the line and column only.
 */
export function parseJsonExact(text: string, source = 'JSON'): unknown {
  const unsafeIntegers = scanJson(text, source);
  if (unsafeIntegers.length === 0) return parseScanned(text, source);
  const parts: string[] = [];
  let at = 0;
  for (const [start, end] of unsafeIntegers) {
    parts.push(text.slice(at, start), '"', text.slice(start, end), '"');
    at = end;
  }
  parts.push(text.slice(at));
  try {
    return JSON.parse(parts.join(''));
  } catch (err) {
    // The original text is invalid at the same place: report its line and column, not the copy's.
    parseScanned(text, source);
    throw invalidJson(err, text, source);
  }
}
