import { describe, expect, it } from 'vitest';
import { checkDuration, MAX_DURATION_SECONDS, parseDuration, relativeTime } from '../../src/core/duration.js';

describe('parseDuration', () => {
  it.each([
    ['90s', 90],
    ['30m', 1800],
    ['24h', 86_400],
    ['1h', 3600],
    ['7d', 604_800],
    ['2w', 1_209_600],
    ['45', 45],
    [' 5 m ', 300],
  ])('%j is %i seconds', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  it.each(['5x', '0s', '0', '', ' ', 'h', '-5s', '1.5h', '1h30m', '99999999999999999999d', '100000000d', '36501d', '5215w'])('refuses %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it('is bounded at 100 years, so an expiry is always a valid date', () => {
    expect(parseDuration('36500d')).toBe(MAX_DURATION_SECONDS);
    expect(new Date(Date.now() + MAX_DURATION_SECONDS * 1000).getFullYear()).toBeGreaterThan(2100);
    expect(checkDuration('100000000d')).toEqual({ problem: 'too-long' });
    expect(checkDuration('9'.repeat(400) + 's')).toEqual({ problem: 'too-long' });
  });

  it('takes a zero duration in any unit only when asked (--lock-timeout 0s)', () => {
    expect(checkDuration('0s')).toEqual({ problem: 'zero' });
    for (const text of ['0', '0s', '0m', ' 0 h ']) expect(checkDuration(text, { allowZero: true })).toEqual({ seconds: 0 });
    expect(checkDuration('soon', { allowZero: true })).toEqual({ problem: 'malformed' });
  });
});

describe('relativeTime', () => {
  const now = new Date('2026-03-01T10:00:00Z');
  const at = (seconds: number) => new Date(now.getTime() + seconds * 1000);

  it('names the largest whole unit, ahead or behind', () => {
    expect(relativeTime(at(23 * 60 + 59), now)).toBe('in 23m');
    expect(relativeTime(at(5 * 3600), now)).toBe('in 5h');
    expect(relativeTime(at(-2 * 3600 - 30), now)).toBe('expired 2h ago');
    expect(relativeTime(at(-3 * 86_400), now, 'renewed')).toBe('renewed 3d ago');
    expect(relativeTime(at(-45), now, '')).toBe('45s ago');
  });
});
