/** Pieces several kinds share: reading a mapping field, a stored credential, a token request. */
import { invalidError } from '../errors.js';
import type { Fetched, FetchEntry, KeychainFetchIO, Preview, TokenRequest } from './types.js';

export function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The entry's `map`, when it is a mapping. */
export function mapOf(fields: Record<string, unknown>): Record<string, unknown> | undefined {
  return isMapping(fields.map) ? fields.map : undefined;
}

/** The data of the stored credential named by `fields[key]`. */
export async function credentialNamedBy(io: KeychainFetchIO, fields: Record<string, unknown>, key: string): Promise<{ type: string; data: Record<string, unknown> }> {
  const name = fields[key];
  if (typeof name !== 'string' || name === '') throw invalidError(`${key} must name a stored credential`);
  return io.credential(name);
}

/** The `auth` credential's data, when the entry has `auth`. */
export async function authData(io: KeychainFetchIO, fields: Record<string, unknown>): Promise<Record<string, unknown> | undefined> {
  return fields.auth === undefined ? undefined : (await credentialNamedBy(io, fields, 'auth')).data;
}

/** Keys of an entry that sends a token request (oauth2, http): the seeds' renew_config fields and three knobs of this tool. */
export const TOKEN_REQUEST_KEYS = ['endpoint', 'method', 'headers', 'data', 'token_field', 'ttl_field', 'refresh_margin_seconds', 'timeout_seconds', 'allow_insecure_http'] as const;

export const ENDPOINT_REQUIREMENT = { anyOf: ['endpoint'], what: '`endpoint` (the URL to call)' } as const;

/** The token request an oauth2/http entry sends, from its fields (method POST unless given). */
export function tokenRequestOf(fields: Record<string, unknown>): TokenRequest {
  const request: Record<string, unknown> = { endpoint: fields.endpoint, method: fields.method ?? 'POST' };
  for (const k of TOKEN_REQUEST_KEYS) if (k !== 'endpoint' && k !== 'method' && fields[k] !== undefined) request[k] = fields[k];
  return request as unknown as TokenRequest;
}

export async function describeTokenRequest(fields: Record<string, unknown>, preview: Preview, renewable: boolean): Promise<string> {
  const renews = renewable && fields.auto_renew === true ? ' (auto-renew)' : '';
  return `${String(fields.method ?? 'POST').toUpperCase()} ${await preview(fields.endpoint)}${renews}`;
}

/**
 * Sends the entry's request. `requireTokenField`: oauth2 always; http when it auto-renews, since
 * a renewal replays the request and takes the token from token_field (seed 003 renew_config).
 */
export async function fetchByTokenRequest(entry: FetchEntry, io: KeychainFetchIO, credentialType: string, requireTokenField: boolean): Promise<Fetched> {
  if (typeof entry.fields.endpoint !== 'string') throw invalidError('needs endpoint: the URL to call');
  const { tokenData, ttlSeconds } = await io.tokenRequest(tokenRequestOf(entry.fields), { requireTokenField });
  return { data: tokenData, ttlSeconds, credentialType, cacheType: 'token' };
}
