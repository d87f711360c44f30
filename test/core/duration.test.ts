import { describe, expect, it } from 'vitest';
import { parseDuration, relativeTime } from '../../src/core/duration.js';

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

  it.each(['5x', '0s', '0', '', ' ', 'h', '-5s', '1.5h', '1h30m', '99999999999999999999d'])('refuses %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
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
