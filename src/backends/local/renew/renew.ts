/**
 * OAuth2 renewal of keychain entries from their renew_config, once per expiry across every
 * process and connection: the renewer holds a PostgreSQL advisory lock on the entry's
 * cache key while it calls the token endpoint; concurrent readers wait on the same lock
 * (shared mode, so they are all released together), then read the renewer's result.
 * Whoever holds the lock re-reads the row first, so a renewal that already happened is
 * never repeated. A failed renewal leaves the row as it was.
 */
import { describeEndpoint, MAX_REQUEST_TIMEOUT_SECONDS } from '../../../core/endpoint.js';
import { seal, type KeySet } from '../../../core/envelope.js';
import { hasReason, invalidError, NoetlError, notFoundError } from '../../../core/errors.js';
import { MAX_KEYCHAIN_TTL_SECONDS, type RenewConfig } from '../../../core/keychain-entry.js';
import { isDueForRenewal } from '../../../core/scope.js';
import { selectKeychainRow, updateRenewedRow, type KeychainRow } from '../../sql/keychain.js';
import { withRenewLock } from '../../sql/renew.js';
import type { Queryable, Store } from '../../sql/store.js';
import { openRenewConfig } from '../keychain-entries.js';
import { guardedFetch, HTTP_GUARD, type GuardedResponse } from './http.js';
import { noteTokenRequest } from './observe.js';

export interface RenewOptions {
  /** Overrides the entry's refresh margin (seconds). */
  refreshMarginSeconds?: number;
  /** Overrides the HTTP timeout (milliseconds). */
  timeoutMs?: number;
}

export const DEFAULT_RENEW_TIMEOUT_MS = 10_000;

const SOCKET_CLOSED = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);

/** A renewal that failed: `KEYCHAIN: Failed to renew 'NAME': HTTP 401 invalid_client` (reason `renew-failed`). Never a secret. */
export function renewError(keychainName: string, why: string): NoetlError {
  return new NoetlError('unavailable', `KEYCHAIN: Failed to renew '${keychainName}': ${why}`, { reason: 'renew-failed', details: [why] });
}

/** A timeout in seconds (an operation's `timeout_seconds`) as milliseconds; invalid beyond the bound. */
export function timeoutMsOf(seconds: number | undefined, what = 'timeout_seconds'): number | undefined {
  if (seconds === undefined) return undefined;
  if (!(seconds > 0)) throw invalidError(`${what} must be a positive number of seconds`);
  if (seconds > MAX_REQUEST_TIMEOUT_SECONDS) throw invalidError(`${what} is more than the ${MAX_REQUEST_TIMEOUT_SECONDS}s a token request may wait`);
  return seconds * 1000;
}

export interface TokenResponse {
  /** The whole JSON response (access_token, token_type, expires_in, …). */
  tokenData: Record<string, unknown>;
  /** Its lifetime, from ttl_field, when the response has one. */
  ttlSeconds?: number;
}

function headerValue(headers: Record<string, string>, name: string): string | undefined {
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : headers[key];
}

function formValue(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** An OAuth2-style error code from a response body, if it is a short code and not free text. */
function errorCode(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as Record<string, unknown>;
    const code = parsed?.error;
    if (typeof code === 'string' && /^[A-Za-z0-9_.-]{1,64}$/.test(code)) return code;
  } catch {
    /* not JSON */
  }
  return undefined;
}

/**
 * The token's lifetime from the response's ttl field: absent (or null) is undefined; anything
 * but a positive number of seconds up to MAX_KEYCHAIN_TTL_SECONDS is refused, so an absurd
 * answer (1e20, -5) is reported instead of stored.
 */
function ttlOfResponse(name: string, fields: Record<string, unknown>, ttlField: string, where: string): number | undefined {
  const raw = fields[ttlField];
  if (raw === undefined || raw === null) return undefined;
  const ttl = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
  if (!Number.isFinite(ttl) || ttl <= 0) throw renewError(name, `response from ${where}: '${ttlField}' is not a positive number of seconds; nothing stored`);
  if (ttl > MAX_KEYCHAIN_TTL_SECONDS) {
    throw renewError(name, `response from ${where}: '${ttlField}' is more than ${MAX_KEYCHAIN_TTL_SECONDS} s (10 years); nothing stored`);
  }
  return ttl;
}

/**
 * Sends the token request of a renew_config (or of an oauth2/http keychain entry) and
 * returns the JSON response. Redirects are followed within the endpoint's origin only,
 * plain http:// is refused beyond loopback (unless allow_insecure_http), and the response
 * is read up to MAX_RESPONSE_BYTES. Every failure is a renewError naming the status and
 * the OAuth2 error code only.
 */
export async function requestToken(
  name: string,
  config: RenewConfig,
  options: { timeoutMs?: number; requireTokenField?: boolean } = {},
): Promise<TokenResponse> {
  let url: URL;
  try {
    url = new URL(config.endpoint);
  } catch {
    throw renewError(name, 'renew_config.endpoint is not a valid URL');
  }
  const method = (config.method ?? 'POST').toUpperCase();
  const headers: Record<string, string> = { Accept: 'application/json', ...(config.headers ?? {}) };
  let body: string | undefined;
  const data = config.data ?? {};
  if (method === 'GET' || method === 'HEAD') {
    for (const [k, v] of Object.entries(data)) url.searchParams.set(k, formValue(v));
  } else {
    const contentType = headerValue(headers, 'content-type');
    if (contentType && /json/i.test(contentType)) {
      body = JSON.stringify(data);
    } else {
      if (!contentType) headers['Content-Type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(Object.entries(data).map(([k, v]): [string, string] => [k, formValue(v)])).toString();
    }
  }
  const timeoutMs = options.timeoutMs ?? (config.timeout_seconds ? config.timeout_seconds * 1000 : DEFAULT_RENEW_TIMEOUT_MS);
  if (!(timeoutMs > 0 && timeoutMs <= MAX_REQUEST_TIMEOUT_SECONDS * 1000)) {
    throw renewError(name, `the timeout of the token request must be more than 0 and at most ${MAX_REQUEST_TIMEOUT_SECONDS} s`);
  }
  const where = describeEndpoint(url);
  let response: GuardedResponse | undefined;
  const signal = AbortSignal.timeout(timeoutMs);
  for (let attempt = 1; !response; attempt++) {
    try {
      response = await guardedFetch(url, { method, headers, body, signal, allowInsecureHttp: config.allow_insecure_http === true });
    } catch (err) {
      if (hasReason(err, HTTP_GUARD)) throw renewError(name, err.message);
      noteTokenRequest('failed');
      const e = err as Error & { cause?: { code?: string; message?: string } };
      if (e.name === 'TimeoutError' || e.name === 'AbortError') {
        throw renewError(name, `no response from ${where} within ${timeoutMs / 1000}s`);
      }
      // A kept-alive connection the server closed meanwhile resets before the request is
      // read, so sending it once more on a new connection cannot renew twice.
      if (attempt === 1 && SOCKET_CLOSED.has(e.cause?.code ?? '')) continue;
      throw renewError(name, `cannot reach ${where} (${e.cause?.code ?? e.cause?.message ?? e.message})`);
    }
  }
  const text = response.body;
  noteTokenRequest(response.ok ? 'ok' : 'failed');
  if (!response.ok) {
    const code = errorCode(text);
    throw renewError(name, `HTTP ${response.status}${code ? ` ${code}` : ''}`);
  }
  let tokenData: unknown;
  try {
    tokenData = JSON.parse(text);
  } catch {
    throw renewError(name, `response from ${where} is not JSON`);
  }
  if (tokenData === null || typeof tokenData !== 'object' || Array.isArray(tokenData)) {
    throw renewError(name, `response from ${where} is not a JSON object`);
  }
  const fields = tokenData as Record<string, unknown>;
  const tokenField = config.token_field ?? 'access_token';
  if (options.requireTokenField !== false && (fields[tokenField] === undefined || fields[tokenField] === null || fields[tokenField] === '')) {
    throw renewError(name, `response from ${where} has no '${tokenField}' field`);
  }
  return { tokenData: fields, ttlSeconds: ttlOfResponse(name, fields, config.ttl_field ?? 'expires_in', where) };
}

export interface RenewOutcome {
  row: KeychainRow;
  /** False when the entry was already fresh (another reader renewed it). */
  renewed: boolean;
  /** A plaintext renew_config was used. */
  warnings: string[];
}

/** Adds warnings not already there (the same renew_config is opened more than once per read). */
export function addWarnings(into: string[], more: string[]): void {
  for (const w of more) if (!into.includes(w)) into.push(w);
}

/** Whether an auto-renew row is due at `now`: expired, or within the margin asked for, its renew_config's, or the default. */
export function isRowDueForRenewal(row: KeychainRow, config: RenewConfig | undefined, now: Date, options: RenewOptions): boolean {
  return isDueForRenewal(row.created_at, row.expires_at, now, options.refreshMarginSeconds ?? config?.refresh_margin_seconds);
}

/**
 * Renews an auto-renew entry if it is (still) due, once for everyone. With `force`, renews
 * now even when it is fresh (`noetl keychain renew`).
 */
export async function renewKeychainEntry(
  store: Store,
  keys: KeySet,
  cacheKey: string,
  options: RenewOptions & { force?: boolean } = {},
): Promise<RenewOutcome> {
  return withRenewLock(store, cacheKey, {
    holder: (conn) => renewHoldingLock(conn, store, keys, cacheKey, options),
    waiter: (conn) => takeRenewersResult(conn, store, keys, cacheKey, options),
  });
}

/** Someone else held the lock (renewing) and finished: take their result. */
async function takeRenewersResult(conn: Queryable, store: Store, keys: KeySet, cacheKey: string, options: RenewOptions & { force?: boolean }): Promise<RenewOutcome> {
  const row = await selectKeychainRow(conn, cacheKey);
  if (!row) throw notFoundError(`keychain entry ${cacheKey} was deleted while it was being renewed`);
  const warnings: string[] = [];
  if (options.force) return { row, renewed: false, warnings };
  const config = openRenewConfig(row, keys, warnings);
  if (!isRowDueForRenewal(row, config, store.now(), options)) return { row, renewed: false, warnings };
  // Whoever held the lock found it due and tried; it is still due, so that attempt failed.
  // Renewals are not retried automatically (seed 003): report it, the next read tries again.
  const failed = renewError(row.keychain_name, 'a concurrent renewal of this entry failed just now; try again, or renew it explicitly');
  addWarnings(failed.warnings, warnings);
  throw failed;
}

async function renewHoldingLock(conn: Queryable, store: Store, keys: KeySet, cacheKey: string, options: RenewOptions & { force?: boolean }): Promise<RenewOutcome> {
  // Re-check after acquiring: another process may have renewed it a moment ago.
  const row = await selectKeychainRow(conn, cacheKey);
  if (!row) throw notFoundError(`keychain entry ${cacheKey} not found`);
  const warnings: string[] = [];
  const config = openRenewConfig(row, keys, warnings);
  if (!options.force && !isRowDueForRenewal(row, config, store.now(), options)) {
    return { row, renewed: false, warnings };
  }
  if (!config) throw renewError(row.keychain_name, 'it has no renew_config; set it again with auto-renew and a renew_config');
  let response: TokenResponse;
  try {
    response = await requestToken(row.keychain_name, config, { timeoutMs: options.timeoutMs });
  } catch (err) {
    if (hasReason(err, 'renew-failed')) addWarnings(err.warnings, warnings);
    throw err;
  }
  const { tokenData, ttlSeconds } = response;
  const now = store.now();
  const ttl = ttlSeconds ?? (issuedTtlSeconds(row) || 3600);
  const renewed = await updateRenewedRow(conn, cacheKey, seal(tokenData, keys.current), now, new Date(now.getTime() + ttl * 1000));
  if (!renewed) throw notFoundError(`keychain entry ${cacheKey} was deleted while it was being renewed`);
  return { row: renewed, renewed: true, warnings };
}

/** The TTL an entry was issued with: expires_at − created_at (set and renewal both reset created_at). */
export function issuedTtlSeconds(row: KeychainRow): number {
  return Math.max(0, Math.round((row.expires_at.getTime() - row.created_at.getTime()) / 1000));
}
