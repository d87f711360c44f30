/**
 * 64-bit identifiers (catalog_id, execution_id) exceed JavaScript's safe integers, so they
 * travel as decimal strings end to end and are never passed through a number.
 */
const MAX_BIGINT = 9223372036854775807n;

/** The canonical decimal string of a 64-bit id, or undefined when `text` is not one. */
export function parseId64(text: string): string | undefined {
  if (!/^[0-9]{1,19}$/.test(text)) return undefined;
  const value = BigInt(text);
  if (value > MAX_BIGINT) return undefined;
  return value.toString();
}

/**
 * Upstream NoETL's `snowflake_id()` (UPSTREAM-SCHEMA.md): milliseconds since 2024-01-01 UTC
 * shifted left by 23, a 5-bit shard at bit 18, and an 18-bit sequence field below, of which
 * upstream fills only the low 10 bits (`nextval % 1024`). The time part fits 63 bits until
 * 2058-11, so ids stay positive BIGINTs until then.
 */
export const SNOWFLAKE_EPOCH_MS = 1704067200000;
const TIME_SHIFT = 23n;
const SHARD_SHIFT = 18n;
const SEQUENCE_FIELD = 1 << 18;
/** Upstream's sequence values are below this; ours never are, so the two never make the same id. */
const UPSTREAM_SEQUENCES = 1024;
/** The shard upstream's servers use (`shard_id 1`). */
export const SNOWFLAKE_SHARD = 1;

// Per process: a random start, then +1 per id, so ids made in one millisecond differ here and
// (with high probability) from another process's.
let sequence = Math.floor(Math.random() * (SEQUENCE_FIELD - UPSTREAM_SEQUENCES));

/**
 * A fresh 64-bit id in upstream's snowflake layout, as a string: time-ordered like the ids
 * upstream's servers make, in the same shard, with a sequence value (≥ 1024) that theirs
 * never take, so ids from both never collide.
 */
export function newId64(now: Date = new Date()): string {
  const elapsed = BigInt(Math.max(0, now.getTime() - SNOWFLAKE_EPOCH_MS));
  sequence = (sequence + 1) % (SEQUENCE_FIELD - UPSTREAM_SEQUENCES);
  const seq = BigInt(UPSTREAM_SEQUENCES + sequence);
  return ((elapsed << TIME_SHIFT) | (BigInt(SNOWFLAKE_SHARD) << SHARD_SHIFT) | seq).toString();
}

/** The parts of a snowflake id: when it was made, its shard and its sequence field. */
export function snowflakeParts(id: string): { time: Date; shard: number; sequence: number } {
  const value = BigInt(id);
  return {
    time: new Date(Number(value >> TIME_SHIFT) + SNOWFLAKE_EPOCH_MS),
    shard: Number((value >> SHARD_SHIFT) & 31n),
    sequence: Number(value & BigInt(SEQUENCE_FIELD - 1)),
  };
}
