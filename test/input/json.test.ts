import { NoetlError } from '../../src/core/errors.js';
import { describe, expect, it } from 'vitest';
import { MAX_NESTING_DEPTH, parseJson } from '../../src/core/json.js';
import { parseJsonExact } from '../../src/core/json.js';

/** The error a parse throws (it must throw one). */
function parseError(parse: () => unknown): NoetlError {
  try {
    parse();
  } catch (err) {
    expect(err).toBeInstanceOf(NoetlError);
    return err as NoetlError;
  }
  throw new Error('expected the parse to fail');
}

describe('parseJsonExact without a regular expression over the text', () => {
  it('reads an 8 MB string beside a 64-bit id (the regex overflowed the stack)', () => {
    const big = 'x'.repeat(8 * 1024 * 1024);
    const text = `{"note": ${JSON.stringify(big)}, "execution_id": 507431238966182398, "escaped": "a \\" 12345678901234567890 \\\\"}`;
    const value = parseJsonExact(text) as Record<string, unknown>;
    expect(value.execution_id).toBe('507431238966182398');
    expect((value.note as string).length).toBe(big.length);
    expect(value.escaped).toBe('a " 12345678901234567890 \\');
  });

  it('reads a valid 50 MB JSON string, escapes included (it was called "not valid JSON")', () => {
    const text = JSON.stringify('ab\\"c\n'.repeat(10 * 1024 * 1024));
    expect(text.length).toBeGreaterThan(50 * 1024 * 1024);
    expect((parseJsonExact(text) as string).length).toBe(6 * 10 * 1024 * 1024);
  });

  it('refuses 100k levels of nesting with one line, at once, also through parseJson', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    for (const parse of [parseJsonExact, parseJson]) {
      const err = parseError(() => parse(deep, '--value'));
      expect(err.reason).toBe('refused');
      expect(err.code).toBe('invalid');
      expect(err.message).toBe(`--value: nested more than ${MAX_NESTING_DEPTH} levels deep: flatten it`);
    }
    const justDeepEnough = '{"a":'.repeat(MAX_NESTING_DEPTH) + '1' + '}'.repeat(MAX_NESTING_DEPTH);
    expect(parseJsonExact(justDeepEnough)).toBeTypeOf('object');
  });

  it('reports where the text is broken, in the original text, never what it holds', () => {
    const err = parseError(() => parseJsonExact('{"id": 507431238966182398,\n "token": sk_live_SECRET}', 'vars.json'));
    expect(err.reason).toBe('syntax');
    expect(err.message).toMatch(/^vars\.json: invalid JSON: syntax error/);
    expect(err.message).not.toMatch(/sk_live|SECRET|5074/);
    // A broken number token is never made valid by quoting it.
    for (const text of ['[01234567890123456789]', '[--12345678901234567890]', '[12345678901234567890a]', '{"a" 12345678901234567890}']) {
      expect(parseError(() => parseJsonExact(text)).reason, text).toBe('syntax');
    }
    expect(parseError(() => parseJsonExact('"unterminated 12345678901234567890')).reason).toBe('syntax');
  });
});
