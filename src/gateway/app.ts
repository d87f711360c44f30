/**
 * `noetl gateway`'s HTTP application (seed 002, API.md "Gateway"): `noetl serve`'s Fastify app
 * (buildServer: error shape, JSON bodies, body limit, metrics, request log, /health, /ready,
 * graceful close) with the gateway's routes on it. Session routes are public at the service-token
 * level and check the session themselves; the admin routes need an admin service token.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { invalidError, NoetlError } from '../core/errors.js';
import { buildServer, type ServerOptions } from '../server/app.js';
import { tokenOf } from '../server/auth.js';
import { jsonLogger } from '../server/log.js';
import { registerAdminRoutes } from './admin-routes.js';
import { registerGraphql } from './graphql.js';
import type { IssuerSet, VerifiedIdentity } from './issuers.js';
import type { NoetlServer } from './noetl-server.js';
import { LoginRateLimit, RateLimitedError } from './rate-limit.js';
import { permissionOf, type ClientInfo, type GatewayService, type LiveSession } from './service.js';

/** `noetl serve`'s options (service tokens always required) and the gateway's own. */
export interface GatewayOptions extends Omit<ServerOptions, 'auth'> {
  service: GatewayService;
  /** Verifies Auth0 access tokens (IssuerSet). */
  issuers: Pick<IssuerSet, 'verify'>;
  /** Where executions go (`--noetl-server`); without it executePlaybook and execution answer unavailable. */
  noetlServer?: NoetlServer;
  /** Login also sets the cookie `session_token` (HttpOnly; Secure; SameSite=Strict). */
  sessionCookie?: boolean;
  /** Serve the GraphiQL page at /graphiql. */
  graphiql?: boolean;
  /** Login attempts per client IP and per user in `windowMs` (0: no limit). */
  loginLimit?: { perIp: number; perUser: number; windowMs: number };
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller's gateway session (GraphQL routes). */
    gatewaySession?: LiveSession;
  }
}

/** The user as the seed's answers show it (`user_id` a number, as upstream's gateway sends it). */
function publicUser(session: LiveSession, withRoles: boolean): Record<string, unknown> {
  const user: Record<string, unknown> = { user_id: Number(session.user.user_id), email: session.user.email, display_name: session.user.display_name };
  if (withRoles) user.roles = session.roles;
  return user;
}

/** RFC 3339 UTC without fractions, as the seed shows (`2026-01-26T08:00:00Z`). */
function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function clientOf(request: FastifyRequest): ClientInfo {
  const agent = request.headers['user-agent'];
  return { ip: request.ip ?? null, userAgent: typeof agent === 'string' ? agent : null };
}

/** A refused login says when to come back (RFC 9110 Retry-After, seconds); the error goes on to the error handler. */
function retryAfter(reply: FastifyReply, err: unknown): unknown {
  if (err instanceof RateLimitedError) void reply.header('retry-after', String(err.retryAfterSeconds));
  return err;
}

const LOGIN_BODY = {
  type: 'object',
  required: ['auth0_token'],
  additionalProperties: false,
  properties: {
    auth0_token: { type: 'string', minLength: 1, maxLength: 16384 },
    auth0_domain: { type: 'string', maxLength: 300 },
    auth0_refresh_token: { type: 'string', maxLength: 16384, description: 'accepted for upstream clients; never stored' },
    session_duration_hours: { type: 'number', exclusiveMinimum: 0, maximum: 8760 },
    client_ip: { type: 'string', maxLength: 100, description: 'accepted for upstream clients; the connection\'s address is what is recorded' },
    client_user_agent: { type: 'string', maxLength: 1000 },
  },
} as const;

/** The optional `{session_token}` body of validate and logout (no body at all: the token is in a header). */
function sessionTokenOf(request: FastifyRequest): string | undefined {
  const body = request.body as unknown;
  if (body === undefined || body === null) return tokenOf(request);
  if (typeof body !== 'object' || Array.isArray(body)) throw invalidError('the body must be a JSON object: {"session_token": "…"}');
  const { session_token: token, ...rest } = body as Record<string, unknown>;
  if (Object.keys(rest).length) throw invalidError(`unknown field ${Object.keys(rest)[0].slice(0, 50)}: the body has only session_token`);
  if (token === undefined) return tokenOf(request);
  if (typeof token !== 'string') throw invalidError('session_token must be a string');
  return token;
}

const CHECK_BODY = {
  type: 'object',
  required: ['playbook_path'],
  additionalProperties: false,
  properties: {
    session_token: { type: 'string', maxLength: 200 },
    playbook_path: { type: 'string', minLength: 1, maxLength: 500 },
    permission_type: { type: 'string', maxLength: 20 },
    action: { type: 'string', maxLength: 20, description: 'upstream playbooks\' name for permission_type' },
  },
} as const;

/** check-access's answer: /openapi.json shows it, and Fastify serializes it with a compiled serializer (the hot route). */
const CHECK_ANSWER = {
  type: 'object',
  required: ['allowed', 'user', 'playbook_path', 'permission_type', 'message'],
  properties: {
    allowed: { type: 'boolean' },
    // A type list, not anyOf: the serializer then needs no validation to pick a branch.
    user: { type: ['object', 'null'], required: ['user_id', 'email', 'display_name'], properties: { user_id: { type: 'integer' }, email: { type: 'string' }, display_name: { type: ['string', 'null'] } } },
    playbook_path: { type: 'string' },
    permission_type: { type: 'string' },
    message: { type: 'string' },
  },
} as const;

export function buildGateway(options: GatewayOptions): FastifyInstance {
  const logger = options.logger ?? jsonLogger(() => undefined, 'silent');
  const { service, issuers, noetlServer, sessionCookie: setsCookie, graphiql, loginLimit, ...serverOptions } = options;
  const app = buildServer({ ...serverOptions, logger });
  const limit = loginLimit ?? { perIp: 30, perUser: 10, windowMs: 60_000 };
  const ipLimit = new LoginRateLimit(limit.perIp, limit.windowMs, () => service.now());
  const userLimit = new LoginRateLimit(limit.perUser, limit.windowMs, () => service.now());

  /** Audit lines never change an answer: a failed write is logged. */
  const audit = async (request: FastifyRequest, note: Parameters<GatewayService['audit']>[0]) => {
    try {
      await service.audit(note, clientOf(request));
    } catch (err) {
      logger.error('audit write failed', { request_id: request.id, event_type: note.event_type, error: err instanceof Error ? err.message : String(err) });
    }
  };

  const sessionCookie = (reply: FastifyReply, token: string, maxAgeSeconds: number) => {
    void reply.header('set-cookie', `session_token=${token}; Path=/; Max-Age=${maxAgeSeconds}; HttpOnly; Secure; SameSite=Strict`);
  };

  app.post<{ Body: { auth0_token: string; auth0_domain?: string; session_duration_hours?: number; client_user_agent?: string } }>(
    '/api/auth/login',
    { config: { access: 'public' }, schema: { summary: 'Exchange an Auth0 access token for a session (seed 002)', tags: ['gateway'], body: LOGIN_BODY } },
    async (request, reply) => {
      const client = clientOf(request);
      try {
        ipLimit.hit(`ip:${client.ip}`, 'address');
      } catch (err) {
        await audit(request, { event_type: 'login', event_status: 'failure', details: { reason: 'rate_limited', client_ip: client.ip } });
        throw retryAfter(reply, err);
      }
      let identity: VerifiedIdentity;
      try {
        identity = await issuers.verify(request.body.auth0_token, request.body.auth0_domain);
      } catch (err) {
        const reason = err instanceof NoetlError ? (err.reason ?? err.code) : 'error';
        await audit(request, { event_type: 'login', event_status: 'failure', details: { reason, auth0_domain: request.body.auth0_domain?.slice(0, 300) ?? null } });
        throw err;
      }
      try {
        userLimit.hit(`user:${identity.domain}:${identity.sub}`, 'user');
      } catch (err) {
        await audit(request, { event_type: 'login', event_status: 'failure', details: { reason: 'rate_limited', auth0_id: identity.sub } });
        throw retryAfter(reply, err);
      }
      const agent = client.userAgent ?? request.body.client_user_agent ?? null;
      let result: Awaited<ReturnType<GatewayService['login']>>;
      try {
        result = await service.login(identity, request.body.session_duration_hours, { ip: client.ip, userAgent: agent });
      } catch (err) {
        await audit(request, { event_type: 'login', event_status: 'failure', details: { reason: err instanceof NoetlError ? (err.reason ?? err.code) : 'error', auth0_id: identity.sub } });
        throw err;
      }
      // The success line was written with the session (service.login).
      const { token, session } = result;
      if (setsCookie) sessionCookie(reply, token, Math.floor((session.expires_at.getTime() - service.now().getTime()) / 1000));
      return {
        status: 'authenticated',
        session_token: token,
        user: publicUser(session, true),
        expires_at: rfc3339(session.expires_at),
        message: 'Authentication successful',
      };
    },
  );

  app.post(
    '/api/auth/validate',
    { config: { access: 'public' }, schema: { summary: 'Is this session valid? (200 either way; body {session_token} or the token in a header)', tags: ['gateway'] } },
    async (request) => {
      const session = await service.session(sessionTokenOf(request), { roles: true });
      if (!session) return { valid: false, user: null, expires_at: null, message: 'Session is invalid or expired' };
      return { valid: true, user: publicUser(session, true), expires_at: rfc3339(session.expires_at), message: 'Session is valid' };
    },
  );

  app.post(
    '/api/auth/logout',
    { config: { access: 'public' }, schema: { summary: 'End a session (200 also when there was none; body {session_token} or the token in a header)', tags: ['gateway'] } },
    async (request, reply) => {
      const { ended, session } = await service.logout(sessionTokenOf(request));
      if (session) await audit(request, { event_type: 'logout', event_status: 'success', user_id: session.user.user_id, session_id: session.session_id });
      if (setsCookie) sessionCookie(reply, '', 0);
      return { status: 'logged_out', message: ended ? 'Session ended' : 'No active session' };
    },
  );

  app.post<{ Body: { session_token?: string; playbook_path: string; permission_type?: string; action?: string } }>(
    '/api/auth/check-access',
    { config: { access: 'public' }, schema: { summary: 'May this session use this playbook? (200 either way; fails closed)', tags: ['gateway'], body: CHECK_BODY, response: { 200: CHECK_ANSWER } } },
    async (request) => {
      const { playbook_path: path } = request.body;
      const asked = request.body.permission_type ?? request.body.action ?? 'execute';
      const permission = permissionOf(asked);
      const found = await service.sessionAccess(request.body.session_token ?? tokenOf(request), permission && { playbookPath: path, permission });
      const session = found?.session;
      const answer = (allowed: boolean, message: string) => ({ allowed, user: allowed && session ? publicUser(session, false) : null, playbook_path: path, permission_type: asked, message });
      if (!session) {
        await audit(request, { event_type: 'permission_check', event_status: 'denied', resource_type: 'playbook', resource_id: path, details: { permission: asked, reason: 'no_session' } });
        return answer(false, 'Session is invalid or expired');
      }
      const allowed = permission !== undefined && found?.allowed === true;
      if (!allowed) {
        await audit(request, { event_type: 'permission_check', event_status: 'denied', user_id: session.user.user_id, session_id: session.session_id, resource_type: 'playbook', resource_id: path, details: { permission: asked } });
        return answer(false, permission ? `Access denied: no ${permission} permission on ${path}` : `Access denied: unknown permission type ${asked.slice(0, 20)} (execute, view, modify)`);
      }
      return answer(true, `Access granted: ${permission} on ${path}`);
    },
  );

  registerGraphql(app, { service, noetlServer, graphiql: Boolean(graphiql), audit, logger });
  // The same operations as `noetl user|role|access` on a database: one implementation, its validation and audit lines.
  if (!options.client.access) throw new NoetlError('internal', 'the gateway needs a client over its database (with the access group) for its admin routes');
  registerAdminRoutes(app, { access: options.client.access });
  return app;
}
