import { describe, expect, it } from 'vitest';
import { bearerTokenFromResult, TOKEN_RETURN_FORMAT } from '../../src/core/bearer.js';

describe('bearerTokenFromResult', () => {
  it('takes a string result as the token', () => {
    expect(bearerTokenFromResult('eyJhbGciOiJIUzI1NiJ9.e30.sig', 'get_token')).toEqual({ ok: true, token: 'eyJhbGciOiJIUzI1NiJ9.e30.sig', from: 'string' });
  });

  it('takes access_token from an OAuth-style object', () => {
    const r = bearerTokenFromResult({ access_token: 'abc123', expires_in: 1799, token_type: 'Bearer' });
    expect(r).toEqual({ ok: true, token: 'abc123', from: 'access_token' });
  });

  it.each([
    ['null', null, 'null'],
    ['undefined', undefined, 'null'],
    ['an empty string', '  ', 'empty'],
    ['an error object', { error: 'invalid_client', status: 'failed' }, 'error'],
    ['a failed status', { status: 'failed', detail: 'x' }, 'error'],
    ['an object without access_token', { token: 'abc', expires_in: 10 }, 'shape'],
    ['an empty access_token', { access_token: '' }, 'empty'],
    ['a number', 42, 'shape'],
    ['a list', ['abc'], 'shape'],
  ])('refuses %s and explains the expected return format', (_label, result, reason) => {
    const r = bearerTokenFromResult(result, 'get_token');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.reason).toBe(reason);
    expect(r.message).toContain("step 'get_token'");
    expect(r.message).toContain(TOKEN_RETURN_FORMAT);
    expect(r.message).toMatch(/access_token/);
  });

  it('names the keys of an unexpected object but never its values', () => {
    const r = bearerTokenFromResult({ token: 'super-secret-value-123' });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.message).toContain('keys: token');
      expect(r.message).not.toContain('super-secret-value-123');
    }
  });
});
