/**
 * The keychain's logic over its SQL repository (seed 003, "Keychain System"): entries sealed
 * per ENCRYPTION.md on set (after validation), opened and checked on get, auto-renewed when
 * due (renew/renew.ts). Data comes back in clear: the client (keychain.ts) masks it unless
 * asked to reveal. Warnings come back as data, never printed.
 */
import type {
  CacheType,
  KeychainData,
  KeychainExpired,
  KeychainSetResult,
  KeychainSuccess,
} from '../../api/keychain.js';
import { insecureEndpointProblem, MAX_REQUEST_TIMEOUT_SECONDS } from '../../core/endpoint.js';
import { seal, type KeySet } from '../../core/envelope.js';
import { hasReason, invalidError, NoetlError } from '../../core/errors.js';
import { keychainCacheKey, MAX_KEYCHAIN_TTL_SECONDS, storedRenewConfig, type RenewConfig } from '../../core/keychain-entry.js';
import { defaultTtlSeconds, sharedRoot, type ScopeRef } from '../../core/scope.js';
import { schemaReport, validateAgainstSchema } from '../../core/schema.js';
import { selectKeychainRow, touchKeychainRow, upsertKeychainRow, type KeychainRow } from '../sql/keychain.js';
import { describeKind, isFieldObject, openRecord, SEAL_LEGACY_ROWS } from '../sql/sealed.js';
import type { Store } from '../sql/store.js';
import { addWarnings, isRowDueForRenewal, renewKeychainEntry, type RenewOptions, type RenewOutcome } from './renew/renew.js';

const CHECK_MASTER_KEY = '; check the master key (NOETL_ENCRYPTION_KEY or the key file)';

/**
 * Opens an entry's token data; `legacy` when the row held plaintext JSON (a warning; refused
 * under strict mode). Data that is not an object of fields (an array, a string) is an error.
 */
export function openKeychainData(row: KeychainRow, keys: KeySet): { data: KeychainData; legacy: boolean } {
  const record = `keychain entry '${row.keychain_name}'`;
  const opened = openRecord(row.data_encrypted, keys, record, CHECK_MASTER_KEY);
  if (!isFieldObject(opened.value)) {
    throw new NoetlError('unavailable', `${record} holds ${describeKind(opened.value)}, not an object of fields`, { hint: { command: 'keychain set', text: 'to store it again' } });
  }
  return { data: opened.value, legacy: opened.legacy };
}

/** The warning each use of a plaintext renew_config gets: whoever can write the table chooses where renewal sends the client secret. */
function plaintextRenewConfigWarning(name: string): string {
  return `keychain entry '${name}' has a plaintext renew_config (not sealed): whoever can write the keychain table can send its renewal, and client secret, anywhere; ${SEAL_LEGACY_ROWS}, or refuse such rows in strict mode (require_sealed)`;
}

/**
 * An entry's renew_config, opened and checked (a stored one is no more trusted than input).
 * A plaintext one is used with a warning pushed to `warnings`, every time (refused under
 * strict mode).
 */
export function openRenewConfig(row: KeychainRow, keys: KeySet, warnings?: string[]): RenewConfig | undefined {
  const stored = storedRenewConfig(row.renew_config);
  if (stored === undefined) return undefined;
  const record = `renew_config of keychain entry '${row.keychain_name}'`;
  const opened = openRecord(stored, keys, record, CHECK_MASTER_KEY);
  if (opened.legacy && warnings) addWarnings(warnings, [plaintextRenewConfigWarning(row.keychain_name)]);
  const problem = renewConfigProblem(opened.value);
  if (problem) {
    throw new NoetlError('unavailable', `${record} is not usable: ${problem}`, {
      hint: { command: `keychain set ${row.keychain_name} --auto-renew --renew-config @FILE`, text: 'to store a usable one' },
    });
  }
  return opened.value as RenewConfig;
}

function remainingSeconds(row: KeychainRow, now: Date): number {
  return Math.round((row.expires_at.getTime() - now.getTime()) / 100) / 10;
}

// ---------------------------------------------------------------------------------------
// set

export interface SetKeychainInput {
  name: string;
  ref: ScopeRef;
  /** The token or secret data (the seeds' `token_data`). */
  data: KeychainData;
  credentialType?: string;
  cacheType?: CacheType;
  /** Lifetime from now; default 3600 s for local, 86400 s otherwise. Ignored when expiresAt is given. */
  ttlSeconds?: number;
  expiresAt?: Date;
  schema?: Record<string, unknown>;
  autoRenew?: boolean;
  renewConfig?: RenewConfig;
}

export type SetKeychainResponse = Omit<KeychainSetResult, 'warnings'>;

/** Checks a renew_config's shape (endpoint URL, method, headers, data, bounds); returns it. Exit 2 naming the entry. */
export function checkRenewConfig(config: unknown, name: string): RenewConfig {
  const problem = renewConfigProblem(config);
  if (problem) throw invalidError(`renew_config of '${name}': ${problem}`);
  return config as RenewConfig;
}

/** What is wrong with a renew_config, in words that never quote its values; undefined when it is fine. */
function renewConfigProblem(config: unknown): string | undefined {
  if (!isFieldObject(config)) return `must be a JSON object with at least an endpoint, not ${describeKind(config)}`;
  const c = config;
  if (typeof c.endpoint !== 'string' || !/^https?:\/\//.test(c.endpoint)) return 'needs endpoint: an http(s) URL of the token endpoint';
  let endpoint: URL;
  try {
    endpoint = new URL(c.endpoint);
  } catch {
    return 'endpoint is not a valid URL';
  }
  if (c.allow_insecure_http !== undefined && typeof c.allow_insecure_http !== 'boolean') return 'allow_insecure_http must be true or false';
  const insecure = insecureEndpointProblem(endpoint, c.allow_insecure_http === true);
  if (insecure) return insecure;
  if (c.method !== undefined && (typeof c.method !== 'string' || !/^[A-Za-z]+$/.test(c.method))) return 'method must be an HTTP method such as POST';
  for (const field of ['headers', 'data'] as const) {
    if (c[field] !== undefined && !isFieldObject(c[field])) return `${field} must be a mapping`;
  }
  for (const field of ['token_field', 'ttl_field'] as const) {
    if (c[field] !== undefined && typeof c[field] !== 'string') return `${field} must be a string`;
  }
  for (const field of ['refresh_margin_seconds', 'timeout_seconds'] as const) {
    const v = c[field];
    if (v !== undefined && (typeof v !== 'number' || !(v >= 0))) return `${field} must be a number of seconds`;
  }
  if (typeof c.timeout_seconds === 'number' && c.timeout_seconds > MAX_REQUEST_TIMEOUT_SECONDS) {
    return `timeout_seconds is ${c.timeout_seconds}, more than the ${MAX_REQUEST_TIMEOUT_SECONDS} allowed`;
  }
  if (typeof c.refresh_margin_seconds === 'number' && c.refresh_margin_seconds > MAX_KEYCHAIN_TTL_SECONDS) {
    return `refresh_margin_seconds is ${c.refresh_margin_seconds}, more than the ${MAX_KEYCHAIN_TTL_SECONDS} allowed`;
  }
  return undefined;
}

/**
 * Stores (or replaces) an entry, sealed. Data is validated against the schema first; a
 * failure is `invalid` with the seeds' messages and nothing is written.
 */
export async function setKeychainEntry(store: Store, keys: KeySet, input: SetKeychainInput, now: Date = store.now()): Promise<SetKeychainResponse> {
  const key = keychainCacheKey(input.name, input.ref);
  if (!isFieldObject(input.data)) throw invalidError(`keychain data for '${input.name}' must be a JSON object`);
  if (input.schema) {
    const result = await validateAgainstSchema(input.data, input.schema);
    if (!result.valid) throw invalidError(`Token validation failed for '${input.name}': ${schemaReport(result).join('; ')}`);
  }
  const autoRenew = Boolean(input.autoRenew);
  if (autoRenew && !input.renewConfig) {
    throw invalidError(`auto-renew needs a renew_config (endpoint, method, headers, data) for '${input.name}'`);
  }
  const renewConfig = input.renewConfig ? checkRenewConfig(input.renewConfig, input.name) : undefined;
  let expiresAt: Date;
  if (input.expiresAt) {
    expiresAt = input.expiresAt;
  } else {
    const ttl = input.ttlSeconds ?? defaultTtlSeconds(input.ref.scope);
    if (!(ttl > 0)) throw invalidError(`TTL for '${input.name}' must be positive`);
    if (ttl > MAX_KEYCHAIN_TTL_SECONDS) throw tooLong(input.name);
    expiresAt = new Date(now.getTime() + ttl * 1000);
  }
  const ttlSeconds = Math.round((expiresAt.getTime() - now.getTime()) / 1000);
  if (Number.isNaN(ttlSeconds)) throw invalidError(`the expiry of '${input.name}' is not a valid time`);
  if (ttlSeconds > MAX_KEYCHAIN_TTL_SECONDS) throw tooLong(input.name);
  const { executionId, parentExecutionId } = executionColumns(input.ref);
  await upsertKeychainRow(store, {
    cache_key: key,
    keychain_name: input.name,
    catalog_id: input.ref.catalogId,
    credential_type: input.credentialType ?? (autoRenew ? 'oauth2' : 'static'),
    cache_type: input.cacheType ?? (autoRenew || 'access_token' in input.data ? 'token' : 'secret'),
    scope_type: input.ref.scope,
    execution_id: executionId,
    parent_execution_id: parentExecutionId,
    data_encrypted: seal(input.data, keys.current),
    schema: input.schema ?? null,
    expires_at: expiresAt,
    created_at: now,
    auto_renew: autoRenew,
    renew_config: renewConfig ? seal(renewConfig, keys.current) : null,
  });
  return {
    status: 'success',
    message: `Keychain entry cached successfully with ${ttlSeconds}s TTL`,
    keychain_name: input.name,
    catalog_id: input.ref.catalogId,
    cache_key: key,
    scope_type: input.ref.scope,
    expires_at: expiresAt.toISOString(),
    ttl_seconds: ttlSeconds,
    auto_renew: autoRenew,
  };
}

function tooLong(name: string): NoetlError {
  return invalidError(`TTL for '${name}' is more than the ${MAX_KEYCHAIN_TTL_SECONDS} s (10 years) an entry may live`);
}

/** local: its execution (and the parent, when known); shared: the creator and the tree's root. */
function executionColumns(ref: ScopeRef): { executionId: string | null; parentExecutionId: string | null } {
  if (ref.scope === 'local') return { executionId: ref.executionId ?? null, parentExecutionId: ref.rootExecutionId ?? null };
  if (ref.scope === 'shared') return { executionId: ref.executionId ?? sharedRoot(ref) ?? null, parentExecutionId: sharedRoot(ref) ?? null };
  return { executionId: null, parentExecutionId: null };
}

// ---------------------------------------------------------------------------------------
// get

/** A not-found answer before the client adds where else the name exists. */
export interface KeychainNotFoundBase {
  status: 'not_found';
  keychain_name: string;
  catalog_id: string;
  cache_key: string;
}

export type KeychainReadResponse = KeychainSuccess | KeychainExpired | KeychainNotFoundBase;

export interface KeychainGetResult {
  response: KeychainReadResponse;
  /** Schema mismatches, legacy plaintext, a failed early renewal of a still-valid token. */
  warnings: string[];
}

export interface GetKeychainOptions extends RenewOptions {
  /** Renew an auto-renew entry that is expired or within its refresh margin (default true). */
  renew?: boolean;
}

/**
 * Reads an entry, data in clear. Every successful read counts one access (access_count,
 * accessed_at) in the statement that reads the entry: a hit is one round trip. An auto-renew
 * entry that is expired, or within its refresh margin, is renewed first (once for all
 * concurrent readers, see renew/renew.ts). An expired entry is reported `expired`, never served.
 */
export async function getKeychainEntry(
  store: Store,
  keys: KeySet,
  name: string,
  ref: ScopeRef,
  options: GetKeychainOptions = {},
): Promise<KeychainGetResult> {
  const key = keychainCacheKey(name, ref);
  return finishKeychainRead(store, keys, { keychain_name: name, catalog_id: ref.catalogId, cache_key: key }, await touchKeychainRow(store, key, store.now()), options);
}

/**
 * The rest of a read whose first statement counted an access of the entry and returned its
 * row (`touched`; undefined when the entry was missing or expired then): the renewal of a due
 * auto-renew entry, the data opened and checked against its schema.
 */
export async function finishKeychainRead(
  store: Store,
  keys: KeySet,
  base: Omit<KeychainNotFoundBase, 'status'>,
  touched: KeychainRow | undefined,
  options: GetKeychainOptions,
): Promise<KeychainGetResult> {
  const warnings: string[] = [];
  const key = base.cache_key;
  let read = touched;
  let renewed = false;
  if (read) {
    const outcome = await renewIfDue(store, keys, read, options, warnings);
    if (outcome) {
      read = outcome.row;
      renewed = outcome.renewed;
    }
  } else {
    const row = await selectKeychainRow(store, key);
    if (!row) return { response: { status: 'not_found', ...base }, warnings };
    // Expired when it was touched: an auto-renew entry is renewed, then counted; so is one
    // found fresh by now (renewed by a concurrent reader, or set again, since the touch).
    const outcome = await renewIfDue(store, keys, row, options, warnings);
    if (outcome) renewed = outcome.renewed;
    if (outcome || row.expires_at.getTime() > store.now().getTime()) read = await touchKeychainRow(store, key, store.now());
    if (!read) {
      const current = outcome ? await selectKeychainRow(store, key) : row;
      if (!current) return { response: { status: 'not_found', ...base }, warnings };
      const response: KeychainExpired = {
        status: 'expired',
        ...base,
        expires_at: current.expires_at.toISOString(),
        auto_renew: Boolean(current.auto_renew),
        expired: true,
      };
      if (current.auto_renew) response.renew_config = openRenewConfig(current, keys, warnings);
      return { response, warnings };
    }
  }
  const { data, legacy } = openKeychainData(read, keys);
  if (legacy) warnings.push(`keychain entry '${base.keychain_name}' is stored as plaintext (legacy): ${SEAL_LEGACY_ROWS}`);
  if (read.schema) {
    const result = await validateAgainstSchema(data, read.schema);
    if (!result.valid) warnings.push(`KEYCHAIN: Entry '${base.keychain_name}' failed schema validation: ${result.errors.join('; ')}`);
  }
  return {
    response: {
      status: 'success',
      ...base,
      token_data: data,
      credential_type: read.credential_type,
      cache_type: read.cache_type,
      scope_type: read.scope_type,
      expires_at: read.expires_at.toISOString(),
      ttl_seconds: remainingSeconds(read, store.now()),
      accessed_at: read.accessed_at.toISOString(),
      access_count: Number(read.access_count ?? 0),
      auto_renew: Boolean(read.auto_renew),
      expired: false,
      renewed,
    },
    warnings,
  };
}

/**
 * Renews an auto-renew entry that is due (expired, or within its refresh margin) unless asked
 * not to: the outcome, or undefined when nothing was due. A failed renewal of a token that is
 * still valid is a warning (the current token is served); of an expired one, the error.
 */
async function renewIfDue(store: Store, keys: KeySet, row: KeychainRow, options: GetKeychainOptions, warnings: string[]): Promise<RenewOutcome | undefined> {
  if (!row.auto_renew || options.renew === false) return undefined;
  if (!isRowDueForRenewal(row, openRenewConfig(row, keys, warnings), store.now(), options)) return undefined;
  try {
    const outcome = await renewKeychainEntry(store, keys, row.cache_key, options);
    addWarnings(warnings, outcome.warnings);
    return outcome;
  } catch (err) {
    if (!hasReason(err, 'renew-failed')) throw err;
    addWarnings(warnings, err.warnings);
    if (row.expires_at.getTime() <= store.now().getTime()) {
      addWarnings(err.warnings, warnings);
      throw err;
    }
    warnings.push(`${err.message}; the current token is still valid until ${row.expires_at.toISOString()}`);
    return undefined;
  }
}
