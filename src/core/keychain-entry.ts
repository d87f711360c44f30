/**
 * A keychain entry's pure rules: its name, its cache key, how long it may live, and the
 * stored form of its renew_config (sealed, since it holds client secrets). No I/O.
 */
import type { TokenRequest } from './keychain-kinds/types.js';
import { classifyStored, rewrap, seal, type KeySet, type MasterKey } from './envelope.js';
import { invalidError } from './errors.js';
import { cacheKey, type ScopeRef } from './scope.js';

/** The longest an entry may live (10 years): a longer TTL is a mistake, and past year 275760 not even a date. */
export const MAX_KEYCHAIN_TTL_SECONDS = 10 * 365 * 86400;

/** Keychain names end up inside cache keys, where ':' separates the parts. */
const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/;

export function checkKeychainName(name: string): void {
  if (!NAME_PATTERN.test(name)) {
    throw invalidError(`keychain name '${name}' is not valid: use letters, digits, _ . - (starting with a letter or _), e.g. amadeus_token`);
  }
}

/** The cache key of an entry, its name checked (cacheKey checks the scope's execution ids). */
export function keychainCacheKey(name: string, ref: ScopeRef): string {
  checkKeychainName(name);
  return cacheKey(name, ref);
}

/** The seeds' renew_config, plus optional knobs of this tool. */
/** How an auto-renew entry gets a fresh token: the seeds' renew_config, the same HTTP token request an oauth2/http entry sends. */
export type RenewConfig = TokenRequest;

/**
 * renew_config holds client secrets, so it is stored sealed: the envelope object itself in
 * the JSONB column. A plain (legacy, server-written) renew_config is read as is.
 */
export function sealRenewConfig(config: RenewConfig, keys: KeySet): unknown {
  return JSON.parse(seal(config, keys.current));
}

/** A renew_config column value as the stored string envelope.ts reads (pg may give JSONB back as text). */
export function storedRenewConfig(column: unknown): string | undefined {
  if (column === null || column === undefined) return undefined;
  return typeof column === 'string' ? column : JSON.stringify(column);
}

/**
 * A renew_config column value re-wrapped under `to` (master-key rotation), in the form to
 * store; a plain one is sealed. Undefined when it is already on `to`. Throws EnvelopeError
 * when it opens with none of `keys`.
 */
export function rewrapRenewConfig(column: unknown, keys: KeySet, to: MasterKey): { value: unknown; legacy: boolean } | undefined {
  const stored = storedRenewConfig(column);
  if (stored === undefined) return undefined;
  const form = classifyStored(stored);
  if (form.kind === 'legacy') return { value: sealRenewConfig(form.value as RenewConfig, { current: to, previous: [] }), legacy: true };
  const next = rewrap(stored, keys, to);
  return next === undefined ? undefined : { value: JSON.parse(next), legacy: false };
}
