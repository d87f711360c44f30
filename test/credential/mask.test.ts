import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fingerprintKeyFrom, maskString, maskValue } from '../../src/core/mask.js';

const MASKED = /^\*{4}#[0-9a-f]{8}$/;

describe('masking (DESIGN.md: no character, no length; a keyed fingerprint)', () => {
  it('shows no character and no length of the value, whatever its length', () => {
    const secrets = ['x', 'pin1', 'Tr0ub4dor&3-correct-horse', `eyJ${'a'.repeat(800)}`];
    const masked = secrets.map((s) => maskString(s));
    for (const [i, m] of masked.entries()) {
      expect(m).toMatch(MASKED);
      expect(m.startsWith(secrets[i].slice(0, 2))).toBe(false);
      expect(m).not.toMatch(/chars|…/);
    }
    expect(new Set(masked.map((m) => m.length)).size).toBe(1);
  });

  it('tells values apart: equal values, equal masks; a different value or key, a different mask', () => {
    const key = fingerprintKeyFrom(randomBytes(32));
    expect(maskString('s3cret-a', key)).toBe(maskString('s3cret-a', key));
    expect(maskString('s3cret-a', key)).not.toBe(maskString('s3cret-b', key));
    expect(maskString('s3cret-a', key)).not.toBe(maskString('s3cret-a', fingerprintKeyFrom(randomBytes(32))));
    // Without a key: one random key per process, so nothing guessable leaves it.
    expect(maskString('s3cret-a')).toBe(maskString('s3cret-a'));
    expect(maskString('s3cret-a')).not.toBe(maskString('s3cret-a', key));
  });

  it('masks every leaf of a value, numbers and booleans included, keeping its shape', () => {
    const key = fingerprintKeyFrom(randomBytes(32));
    const masked = maskValue({ password: 'pw', port: 5432, nested: { on: true, list: ['a'] }, none: null }, key) as Record<string, unknown>;
    expect(masked).toEqual({
      password: maskString('pw', key),
      port: maskString('5432', key),
      nested: { on: maskString('true', key), list: [maskString('a', key)] },
      none: null,
    });
  });
});
