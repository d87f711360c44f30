/**
 * The credential cache of seed 004, with no I/O: scopes, keys and lifetimes.
 * - execution: a credential fetched for one execution, key `{credential_name}:{execution_id}`,
 *   TTL 3600 s unless the caller says otherwise, removed with its execution (and its parent's);
 * - global: a derived token shared by all executions, key `{credential_name}:global:{token_type}`,
 *   TTL from the token's `expires_in`, else 86400 s.
 */
import { NoetlError } from './errors.js';
import { parseId64 } from './ids.js';

export const EXECUTION_CACHE_TTL_SECONDS = 3600;
export const GLOBAL_TOKEN_TTL_SECONDS = 86400;
/** The longest lifetime an entry may have, as in the keychain: 10 years. */
export const MAX_CACHE_TTL_SECONDS = 10 * 365 * 86400;

export const CACHE_SCOPES = ['execution', 'global'] as const;
export type CacheScope = (typeof CACHE_SCOPES)[number];
export type CacheType = 'secret' | 'token';

export function executionCacheKey(credentialName: string, executionId: string): string {
  return `${credentialName}:${executionId}`;
}

export function globalCacheKey(credentialName: string, tokenType: string): string {
  return `${credentialName}:global:${tokenType}`;
}

/** The canonical 64-bit id, or `invalid` (reason 'invalid-id'). */
export function cacheIdOf(text: string, what = 'execution id'): string {
  const id = parseId64(String(text));
  if (id === undefined) throw new NoetlError('invalid', `${what} '${text}' is not a 64-bit number (e.g. 507431238966182398)`, { reason: 'invalid-id' });
  return id;
}

/** A lifetime in seconds, or `invalid` (reason 'invalid-ttl'): positive, and at most MAX_CACHE_TTL_SECONDS. */
export function cacheTtlOf(seconds: number, what: string): number {
  if (!Number.isFinite(seconds) || seconds <= 0) throw new NoetlError('invalid', `${what} must be a positive number of seconds, got ${seconds}`, { reason: 'invalid-ttl' });
  // A token's absurd expires_in (1e20) would make no date at all: refused before any write.
  if (seconds > MAX_CACHE_TTL_SECONDS) throw new NoetlError('invalid', `${what} must be at most ${MAX_CACHE_TTL_SECONDS} seconds (10 years), got ${seconds}`, { reason: 'invalid-ttl' });
  return seconds;
}

/** An OAuth response's `expires_in` (number or numeric string), when it has a positive one. */
export function expiresInOf(tokenData: unknown): number | undefined {
  if (tokenData === null || typeof tokenData !== 'object') return undefined;
  const raw = (tokenData as Record<string, unknown>).expires_in;
  const seconds = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0 ? seconds : undefined;
}
