/**
 * Opening a stored record, the one place that decides what a legacy plaintext row is
 * worth. NoETL's Python server stored plain JSON, so such rows are read (the caller
 * warns); but anyone who can write a table can plant one, so strict mode
 * (`KeySet.requireSealed`: `--require-sealed`, `require_sealed: true` in the config file,
 * NOETL_REQUIRE_SEALED=1) refuses them. Messages never quote the stored content.
 */
import { invalidError, NoetlError } from '../../core/errors.js';
import { EnvelopeError, open, type KeySet, type Opened } from '../../core/envelope.js';


/** How a refused unsealed row is fixed: rotation seals every legacy row under the current key. */
export const SEAL_LEGACY_ROWS = 'a master key rotation (credential rotate-key) seals legacy rows';
/** The same as a hint (the CLI renders `run \`noetl credential rotate-key\` to seal legacy rows`). */
export const SEAL_LEGACY_ROWS_HINT = { command: 'credential rotate-key', text: 'to seal legacy rows' };

/**
 * Opens `stored` (the value of `record`, e.g. "credential 'pg_prod'"). `hint` follows the
 * reason when it cannot be decrypted. Under strict mode a legacy row is a NoetlError (reason `undecryptable` or `unsealed`).
 */
export function openRecord(stored: string, keys: KeySet, record: string, hint = ''): Opened {
  let opened: Opened;
  try {
    opened = open(stored, keys);
  } catch (err) {
    if (err instanceof EnvelopeError) throw new NoetlError('unavailable', `${record} could not be decrypted: ${err.message}${hint}`, { reason: 'undecryptable' });
    throw err;
  }
  if (opened.legacy && keys.requireSealed) {
    throw new NoetlError('unavailable', `${record} is stored as plaintext, not sealed, and unsealed rows are refused (strict mode, require_sealed)`, { reason: 'unsealed', hint: SEAL_LEGACY_ROWS_HINT });
  }
  return opened;
}

/** What a value holds, for "holds an array, not an object of fields" (never the value itself). */
export function describeKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

export function isFieldObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['', '0', 'false', 'no', 'off']);

/**
 * Whether strict mode is on: the --require-sealed flag, NOETL_REQUIRE_SEALED, or
 * `require_sealed` in the config file (any one of them turns it on).
 */
export function requireSealedMode(flag: boolean, env: NodeJS.ProcessEnv, configValue: unknown): boolean {
  const fromEnv = (env.NOETL_REQUIRE_SEALED ?? '').trim().toLowerCase();
  if (!TRUE.has(fromEnv) && !FALSE.has(fromEnv)) {
    throw invalidError(`NOETL_REQUIRE_SEALED=${JSON.stringify(env.NOETL_REQUIRE_SEALED).slice(0, 40)} is not a yes/no value: use 1 or 0`);
  }
  if (configValue !== undefined && configValue !== null && typeof configValue !== 'boolean') {
    throw invalidError('require_sealed in the config file must be true or false');
  }
  return flag || TRUE.has(fromEnv) || configValue === true;
}
