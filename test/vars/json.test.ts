import { describe, expect, it } from 'vitest';
import { parseJsonExact } from '../../src/core/json.js';

describe('parseJsonExact', () => {
  it('keeps integers beyond 2^53 exact, as decimal strings', () => {
    expect(parseJsonExact('{"execution_id": 507431238966182398, "n": 42, "neg": -9223372036854775807}')).toEqual({
      execution_id: '507431238966182398',
      n: 42,
      neg: '-9223372036854775807',
    });
    expect(parseJsonExact('[9007199254740991, 9007199254740993]')).toEqual([9007199254740991, '9007199254740993']);
  });

  it('leaves strings, decimals and exponents alone', () => {
    expect(parseJsonExact('{"s": "id 507431238966182398 \\" 12345678901234567890", "d": 1.12345678901234567, "e": 1e-5}')).toEqual({
      s: 'id 507431238966182398 " 12345678901234567890',
      d: 1.12345678901234567,
      e: 1e-5,
    });
    expect(parseJsonExact('"plain"')).toBe('plain');
    expect(parseJsonExact('null')).toBeNull();
  });
});
