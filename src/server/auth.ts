/**
 * Who a request is: its token, from `Authorization: Bearer <t>`, `X-Session-Token: <t>` or the
 * cookie `session_token=<t>` (that order, as the gateway reads them), checked against the
 * service tokens; and whether its role is enough for the route. Routes say what they need in
 * their config (`{ role: 'writer' }`; `'public'` for probes); a route that says nothing needs
 * `reader`, so nothing is open by accident.
 */
import type { FastifyRequest } from 'fastify';
import { roleAllows, type TokenAuthority, type TokenIdentity, type TokenRole } from '../api/tokens.js';
import { NoetlError } from '../core/errors.js';

/** What a route needs: a role at least, or nothing (`public`: liveness and readiness probes, the API description). */
export type RouteAccess = TokenRole | 'public';

export const DEFAULT_ACCESS: TokenRole = 'reader';

/** The role a route whose handler checks the token needs: its `access`, else the default (such a route is never public). */
export function handlerCheckedRole(access: RouteAccess | undefined): TokenRole {
  return access === undefined || access === 'public' ? DEFAULT_ACCESS : access;
}

/** The identity of every request when authentication is off (`--insecure-no-auth`, loopback only). */
export const ANONYMOUS_ADMIN: TokenIdentity = { name: 'anonymous', role: 'admin' };

/** The token a request carries, or undefined. */
export function tokenOf(request: Pick<FastifyRequest, 'headers'>): string | undefined {
  const authorization = request.headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match) return match[1];
  }
  const session = request.headers['x-session-token'];
  if (typeof session === 'string' && session.trim()) return session.trim();
  const cookie = request.headers.cookie;
  if (typeof cookie === 'string') {
    for (const part of cookie.split(';')) {
      const eq = part.indexOf('=');
      if (eq > 0 && part.slice(0, eq).trim() === 'session_token') {
        const value = part.slice(eq + 1).trim();
        if (value) return value;
      }
    }
  }
  return undefined;
}

/**
 * The identity of the request's token: unauthenticated (401) without a valid one. Without a
 * token authority (auth off) everyone is ANONYMOUS_ADMIN. Messages never echo the token.
 */
export async function authenticate(request: Pick<FastifyRequest, 'headers'>, tokens: TokenAuthority | undefined): Promise<TokenIdentity> {
  if (!tokens) return ANONYMOUS_ADMIN;
  const identity = await tokens.authenticate(requireToken(request));
  if (!identity) throw invalidTokenError();
  return identity;
}

/** The token a request carries; unauthenticated (401) when it carries none. */
export function requireToken(request: Pick<FastifyRequest, 'headers'>): string {
  const token = tokenOf(request);
  if (token === undefined) {
    throw new NoetlError('unauthenticated', 'a service token is required: send Authorization: Bearer <token>', { hint: { command: 'token create NAME --role reader', text: 'makes one' } });
  }
  return token;
}

/** A token that was sent and is not valid; the message never echoes it. */
export function invalidTokenError(): NoetlError {
  return new NoetlError('unauthenticated', 'the service token is not valid (unknown, removed or expired)');
}

/** Forbidden (403) when the identity's role is below what the route needs. */
export function requireRole(identity: TokenIdentity, required: TokenRole): void {
  if (!roleAllows(identity.role, required)) {
    throw new NoetlError('forbidden', `token '${identity.name}' has role ${identity.role}; this needs ${required} or above`);
  }
}
