import { describe, expect, it } from 'vitest';
import { newId64, parseId64, SNOWFLAKE_EPOCH_MS, snowflakeParts } from '../../src/core/ids.js';

/** What upstream's snowflake_id() makes at `ms` with sequence value `seq` (UPSTREAM-SCHEMA.md). */
const upstreamId = (ms: number, seq: number) => ((BigInt(ms - SNOWFLAKE_EPOCH_MS) << 23n) | ((1n & 31n) << 18n) | (BigInt(seq % 1024) & 262143n)).toString();

describe('snowflake ids', () => {
  it("are laid out as upstream's snowflake_id(): ms since 2024-01-01 << 23, shard 1 at bit 18, an 18-bit sequence field", () => {
    const at = new Date('2026-12-03T12:00:00.123Z');
    const id = newId64(at);
    expect(parseId64(id)).toBe(id);
    expect(snowflakeParts(id)).toMatchObject({ time: at, shard: 1 });
    expect(snowflakeParts(upstreamId(at.getTime(), 77))).toEqual({ time: at, shard: 1, sequence: 77 });
  });

  it("never take a sequence value upstream's can (it uses only 0..1023), so ids from both never collide", () => {
    const at = new Date('2026-12-03T12:00:00Z');
    const ours = new Set(Array.from({ length: 2000 }, () => newId64(at)));
    expect(ours.size).toBe(2000);
    for (const id of ours) expect(snowflakeParts(id).sequence).toBeGreaterThanOrEqual(1024);
    for (let seq = 0; seq < 1024; seq++) expect(ours.has(upstreamId(at.getTime(), seq))).toBe(false);
  });

  it('grow with time and stay positive 63-bit numbers until 2058-11 (the old ms << 22 ids passed 2^63 in 2039)', () => {
    const a = BigInt(newId64(new Date('2026-01-01T00:00:00Z')));
    const b = BigInt(newId64(new Date('2026-01-01T00:00:00.001Z')));
    expect(b > a).toBe(true);
    const late = newId64(new Date('2058-11-01T00:00:00Z'));
    expect(parseId64(late)).toBe(late);
    expect(BigInt(late) < 2n ** 63n).toBe(true);
    expect(BigInt(newId64(new Date('2039-09-08T00:00:00Z'))) < 2n ** 63n).toBe(true);
  });
});
