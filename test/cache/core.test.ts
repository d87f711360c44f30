import { describe, expect, it } from 'vitest';
import { MAX_CACHE_TTL_SECONDS, cacheIdOf, cacheTtlOf, executionCacheKey, expiresInOf, globalCacheKey } from '../../src/core/cache.js';
import { NoetlError } from '../../src/core/errors.js';

const reasonOf = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(NoetlError);
    return `${(err as NoetlError).code}/${(err as NoetlError).reason}`;
  }
  return undefined;
};

describe('core/cache', () => {
  it("builds seed 004's keys", () => {
    expect(executionCacheKey('openai', '507431238966182398')).toBe('openai:507431238966182398');
    expect(globalCacheKey('amadeus', 'oauth')).toBe('amadeus:global:oauth');
  });

  it('ids: 64-bit decimal strings, canonical, else invalid-id', () => {
    expect(cacheIdOf('0042')).toBe('42');
    expect(cacheIdOf('9223372036854775807')).toBe('9223372036854775807');
    for (const bad of ['9223372036854775808', '-1', '1e5', 'abc', '']) expect(reasonOf(() => cacheIdOf(bad))).toBe('invalid/invalid-id');
  });

  it('lifetimes: positive and at most 10 years, else invalid-ttl', () => {
    expect(cacheTtlOf(1, 'cache_ttl')).toBe(1);
    expect(cacheTtlOf(MAX_CACHE_TTL_SECONDS, 'cache_ttl')).toBe(MAX_CACHE_TTL_SECONDS);
    for (const bad of [0, -5, Number.NaN, Number.POSITIVE_INFINITY, MAX_CACHE_TTL_SECONDS + 1]) expect(reasonOf(() => cacheTtlOf(bad, 'x'))).toBe('invalid/invalid-ttl');
  });

  it("reads a token's expires_in, a number or a numeric string, when positive", () => {
    expect(expiresInOf({ expires_in: 1799 })).toBe(1799);
    expect(expiresInOf({ expires_in: '3600' })).toBe(3600);
    for (const none of [{ expires_in: 0 }, { expires_in: ' ' }, { expires_in: 'soon' }, {}, 'token', null]) expect(expiresInOf(none)).toBeUndefined();
  });
});
