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

/** A fresh 64-bit id (positive, below 2^63), as a string. */
export function newId64(now: Date = new Date()): string {
  // Millisecond time in the high bits keeps ids roughly ordered, like NoETL's snowflake ids.
  const random = BigInt(Math.floor(Math.random() * 0x400000));
  return ((BigInt(now.getTime()) << 22n) | random).toString();
}
