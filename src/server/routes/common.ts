/**
 * What the noun routes share: schema pieces (64-bit ids as a number or a string, boolean query
 * flags), reading an id from a request, and whether the caller may see data in clear.
 */
import type { FastifyRequest } from 'fastify';
import { roleAllows } from '../../api/tokens.js';
import { invalidError } from '../../core/errors.js';
import { parseId64 } from '../../core/ids.js';
import { noteAudit } from '../app.js';

/**
 * A 64-bit id in a body: a JSON integer (beyond 2^53 the body parser keeps it exact as a
 * string) or a decimal string. The range is checked by `id64Of` (2^63 − 1 at most).
 */
export const ID64 = { anyOf: [{ type: 'string', pattern: '^[0-9]{1,20}$' }, { type: 'integer', minimum: 0 }], description: '64-bit id (a decimal string; a JSON number is accepted)' } as const;

/** A 64-bit id in a path or query string (always text). */
export const ID64_TEXT = { type: 'string', pattern: '^[0-9]{1,20}$', description: '64-bit id, decimal' } as const;

/** A boolean query flag: `true`/`false` (and `1`/`0`, as upstream clients send them). */
export const FLAG = { type: 'string', enum: ['true', 'false', '1', '0'] } as const;

/** A non-negative number of seconds in a query string. */
export const SECONDS_TEXT = { type: 'string', pattern: '^[0-9]+(\\.[0-9]+)?$' } as const;

export function flagOf(value: string | undefined): boolean | undefined {
  return value === undefined ? undefined : value === 'true' || value === '1';
}

export function secondsOf(value: string | undefined): number | undefined {
  return value === undefined ? undefined : Number(value);
}

/** The canonical decimal string of a 64-bit id given as a number or text; `invalid` (400) otherwise. */
export function id64Of(value: unknown, what: string): string {
  const id = typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint' ? parseId64(String(value)) : undefined;
  if (id === undefined) throw invalidError(`${what} '${String(value).slice(0, 40)}' is not a 64-bit id (e.g. 507431238966182398)`, { reason: 'invalid-id' });
  return id;
}

/** `id64Of` for an optional field. */
export function optionalId64(value: unknown, what: string): string | undefined {
  return value === undefined || value === null ? undefined : id64Of(value, what);
}

/** Whether the caller's token may see data in clear (revealer and admin). */
export function mayReveal(request: FastifyRequest): boolean {
  return request.identity !== undefined && roleAllows(request.identity.role, 'revealer');
}

/** Audits a read that answered data in clear: `reveal METHOD /route` on `target` (a name or key, never a value). */
export function noteReveal(request: FastifyRequest, target: string): void {
  noteAudit(request, { action: `reveal ${request.method} ${request.routeOptions.url}`, target });
}
