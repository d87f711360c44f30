// noetl gateway, in process (app.inject) over a real database of this run's backend, with a
// real Auth0 stand-in (JWKS over HTTP) and a real NoETL server stand-in on 127.0.0.1.
import { createPublicKey } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { localTokenAuthority } from '../../src/backends/local/tokens.js';
import { buildGateway, type GatewayOptions } from '../../src/gateway/app.js';
import { IssuerSet } from '../../src/gateway/issuers.js';
import { NoetlServer } from '../../src/gateway/noetl-server.js';
import { DEFAULT_SESSION_POLICY, GatewayService, type SessionPolicy } from '../../src/gateway/service.js';
import { listAuditEvents } from '../../src/backends/sql/auth.js';
import { testClient, type TestClient } from '../helpers/client.js';
import { fakeClock } from '../helpers/store.js';
import { AUDIENCE, EXECUTION_ID, startIssuer, startNoetlStandIn, type StandIn, type TestIssuer } from './fixtures.js';

let issuer: TestIssuer;
let noetl: StandIn;
beforeAll(async () => {
  [issuer, noetl] = await Promise.all([startIssuer(), startNoetlStandIn()]);
});
afterAll(async () => {
  await Promise.all([issuer.stop(), noetl.stop()]);
});

interface Gateway {
  app: FastifyInstance;
  t: TestClient;
  service: GatewayService;
  clock: ReturnType<typeof fakeClock>;
}
const open: Gateway[] = [];
afterEach(async () => {
  for (const g of open.splice(0)) {
    await g.app.close();
    await g.t.close();
  }
});

async function gateway(options: Partial<GatewayOptions> & { policy?: Partial<SessionPolicy>; jwksCooldownMs?: number; issuerUrl?: string; jwksUrl?: string } = {}): Promise<Gateway> {
  const clock = fakeClock(new Date());
  const t = await testClient({ clock });
  const service = new GatewayService(t.store, { ...DEFAULT_SESSION_POLICY, ...options.policy });
  const issuers = new IssuerSet({ domains: [options.issuerUrl ?? issuer.issuer], audience: AUDIENCE, jwksUrl: options.jwksUrl ?? issuer.jwksUrl, jwksCooldownMs: options.jwksCooldownMs ?? 30_000 }, clock);
  const app = buildGateway({ service, issuers, noetlServer: new NoetlServer(noetl.url), client: t.client, tokens: localTokenAuthority({ store: t.store }), ...options });
  await app.ready();
  const g = { app, t, service, clock };
  open.push(g);
  return g;
}

async function login(g: Gateway, token: string, extra: Record<string, unknown> = {}) {
  return g.app.inject({ method: 'POST', url: '/api/auth/login', payload: { auth0_token: token, ...extra } });
}

async function session(g: Gateway, claims: Record<string, unknown> = {}): Promise<string> {
  // Valid for a day: tests move the gateway's clock hours ahead.
  const res = await login(g, await issuer.token(claims, { expiresIn: 86_400 }));
  expect(res.statusCode, res.body).toBe(200);
  return res.json().session_token as string;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const gql = (g: Gateway, headers: Record<string, string>, query: string, variables: Record<string, unknown> = {}) =>
  g.app.inject({ method: 'POST', url: '/graphql', headers, payload: { query, variables } });
const EXECUTE = 'mutation Execute($name: String!, $vars: JSON) { executePlaybook(name: $name, variables: $vars) { id executionId name status textOutput } }';

describe('POST /api/auth/login', () => {
  it("answers seed 002's shape, creates the user once with the default role, stores only a hash, and audits", async () => {
    const g = await gateway();
    const res = await login(g, await issuer.token(), { auth0_domain: new URL(issuer.issuer).host, session_duration_hours: 2 });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(Object.keys(body).sort()).toEqual(['expires_at', 'message', 'session_token', 'status', 'user']);
    expect(body).toMatchObject({ status: 'authenticated', message: 'Authentication successful', user: { email: 'ada@example.com', display_name: 'Ada Lovelace', roles: ['viewer'] } });
    expect(body.session_token).toMatch(/^noetl-session-[A-Za-z0-9_-]{43}$/);
    expect(typeof body.user.user_id).toBe('number');
    expect(body.expires_at).toBe(new Date(g.clock().getTime() + 2 * 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z'));
    const again = (await login(g, await issuer.token())).json();
    expect(again.user.user_id).toBe(body.user.user_id);
    expect(again.session_token).not.toBe(body.session_token);
    const stored = await g.t.store.query<{ session_token: string }>(`SELECT session_token FROM "${g.service.schema}".sessions`);
    expect(stored.rows).toHaveLength(2);
    for (const row of stored.rows) expect(row.session_token).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(stored.rows)).not.toContain(body.session_token);
    const audit = await listAuditEvents(g.t.store, g.service.schema, 10);
    expect(audit.map((a) => [a.event_type, a.event_status])).toEqual([['login', 'success'], ['login', 'success']]);
    expect(audit[1].event_details).toMatchObject({ user_created: true });
  });

  it('refuses expired, wrong-audience, wrong-issuer, unknown-kid, alg none and HS256-with-the-public-key tokens, and untrusted domains (401, audited)', async () => {
    const g = await gateway();
    const stranger = await generateKeyPair('RS256');
    const publicPem = createPublicKey({ key: (issuer.server.issuer.keys.toJSON()[0] as unknown) as import('node:crypto').JsonWebKey, format: 'jwk' }).export({ type: 'spki', format: 'pem' }) as string;
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: issuer.issuer, aud: AUDIENCE, sub: 'auth0|eve', email: 'eve@example.com', iat: now, exp: now + 600 };
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const cases: [string, string, Record<string, unknown>?][] = [
      ['expired', await issuer.token({}, { expiresIn: -120 })],
      ['audience', await issuer.token({ aud: 'https://other.example.com/api' })],
      ['issuer', await issuer.token({ iss: 'https://evil.example.com/' })],
      ['unknown kid', await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'k-unknown' }).sign(stranger.privateKey)],
      ['alg none', `${b64({ alg: 'none', typ: 'JWT', kid: 'k1' })}.${b64(claims)}.`],
      ['HS256 with the public key', await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: 'k1' }).sign(new TextEncoder().encode(publicPem))],
      ['garbage', 'not-a-jwt'],
      ['untrusted domain', await issuer.token(), { auth0_domain: 'your-tenant.auth0.com' }],
    ];
    for (const [name, token, extra] of cases) {
      const res = await login(g, token, extra);
      expect(res.statusCode, `${name}: ${res.body}`).toBe(401);
      expect(res.json(), name).toMatchObject({ code: 'unauthenticated', status: 401, error: expect.any(String) });
      expect(res.body, name).not.toContain(token.slice(-20) || 'x'.repeat(30));
    }
    const audit = await listAuditEvents(g.t.store, g.service.schema, 20);
    expect(audit).toHaveLength(cases.length);
    expect(audit.every((a) => a.event_type === 'login' && a.event_status === 'failure' && a.user_id === null)).toBe(true);
    expect(audit.map((a) => a.event_details.reason).reverse()).toEqual(['expired', 'audience', 'issuer', 'unknown_key', 'algorithm', 'algorithm', 'malformed', 'untrusted_issuer']);
    expect(await g.t.store.query(`SELECT 1 FROM "${g.service.schema}".users`)).toMatchObject({ rowCount: 0 });
  });

  it('caches the JWKS (logins go on while the issuer is away) and fetches it again for an unknown kid', async () => {
    const g = await gateway({ jwksCooldownMs: 0 });
    await session(g);
    await issuer.server.issuer.keys.generate('RS256', { kid: 'k2' });
    const res = await login(g, await issuer.token({}, { kid: 'k2' }));
    expect(res.statusCode, res.body).toBe(200);

    const away = await startIssuer();
    const h = await gateway({ issuerUrl: away.issuer, jwksUrl: away.jwksUrl });
    const [first, second] = [await away.token(), await away.token()];
    expect((await login(h, first)).statusCode).toBe(200);
    await away.stop();
    expect((await login(h, second)).statusCode).toBe(200);
  });

  it('serves GraphiQL only when asked', async () => {
    const off = await gateway();
    expect((await off.app.inject({ method: 'GET', url: '/graphiql' })).statusCode).toBe(404);
    const on = await gateway({ graphiql: true });
    expect((await on.app.inject({ method: 'GET', url: '/graphiql' })).statusCode).toBe(200);
  });

  it('refuses an unverified email, and an email that belongs to another identity', async () => {
    const g = await gateway();
    expect((await login(g, await issuer.token({ email_verified: false }))).json()).toMatchObject({ code: 'unauthenticated', reason: 'email_unverified' });
    await session(g);
    const other = await login(g, await issuer.token({ sub: 'google-oauth2|123' }));
    expect(other.statusCode).toBe(409);
    expect(other.json()).toMatchObject({ code: 'conflict', reason: 'email_taken' });
  });

  it('rate-limits logins per client address and per user', async () => {
    const g = await gateway({ loginLimit: { perIp: 3, perUser: 2, windowMs: 60_000 } });
    expect((await login(g, await issuer.token())).statusCode).toBe(200);
    expect((await login(g, await issuer.token())).statusCode).toBe(200);
    const perUser = await login(g, await issuer.token());
    expect(perUser.statusCode).toBe(429);
    expect(perUser.json()).toMatchObject({ status: 429, code: 'unavailable', reason: 'rate_limited' });
    expect(perUser.headers['retry-after']).toBe('60');
    g.clock.advance(15_500);
    const perIp = await login(g, 'x.y.z');
    expect(perIp.statusCode).toBe(429);
    expect(perIp.json()).toMatchObject({ reason: 'rate_limited', error: expect.stringContaining('address') });
    // Whole seconds until the window ends, rounded up: 44.5 s left.
    expect(perIp.headers['retry-after']).toBe('45');
    // Both refusals are login failures in the audit log, the per-address one too.
    const refused = (await listAuditEvents(g.t.store, g.service.schema, 20)).filter((a) => a.event_status === 'failure');
    expect(refused.map((a) => (a.event_details as { reason?: string }).reason)).toEqual(['rate_limited', 'rate_limited']);
    g.clock.advance(45_000);
    const again = await login(g, await issuer.token());
    expect(again.statusCode).toBe(200);
    expect(again.headers['retry-after']).toBeUndefined();
  });

  it('sets the session cookie HttpOnly, Secure, SameSite=Strict when asked', async () => {
    const g = await gateway({ sessionCookie: true });
    const res = await login(g, await issuer.token());
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toContain(`session_token=${res.json().session_token}`);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/; Secure/);
    expect(cookie).toMatch(/SameSite=Strict/);
  });
});

describe('sessions', () => {
  it('are taken from Authorization: Bearer, X-Session-Token or the session_token cookie, in that order', async () => {
    const g = await gateway();
    const token = await session(g);
    const query = 'query { execution(id: "1") { id } }';
    const ways: Record<string, string>[] = [bearer(token), { 'x-session-token': token }, { cookie: `theme=dark; session_token=${token}` }];
    for (const headers of ways) {
      const res = await gql(g, headers, query);
      expect(res.statusCode, JSON.stringify(headers)).toBe(200);
      expect(res.json().errors[0].extensions.code).toBe('not_found'); // authenticated: the query ran
    }
    // Bearer first: a bad bearer is not rescued by a good header.
    expect((await gql(g, { ...bearer('noetl-session-' + 'x'.repeat(43)), 'x-session-token': token }, query)).statusCode).toBe(401);
    const none = await gql(g, {}, query);
    expect(none.statusCode).toBe(401);
    expect(none.json()).toMatchObject({ code: 'unauthenticated', status: 401 });
    const validate = await g.app.inject({ method: 'POST', url: '/api/auth/validate', headers: { 'x-session-token': token } });
    expect(validate.json()).toMatchObject({ valid: true, user: { email: 'ada@example.com', roles: ['viewer'] }, message: 'Session is valid' });
  });

  it('expire, end after idle time, are capped by the policy, and end at logout', async () => {
    const g = await gateway({ policy: { maxHours: 4, idleTimeoutMs: 3600_000 } });
    const validate = async (token: string) => (await g.app.inject({ method: 'POST', url: '/api/auth/validate', payload: { session_token: token } })).json();
    const capped = await login(g, await issuer.token(), { session_duration_hours: 100 });
    const token = capped.json().session_token;
    expect(new Date(capped.json().expires_at).getTime() - g.clock().getTime()).toBeLessThanOrEqual(4 * 3600_000);
    for (let i = 0; i < 4; i++) {
      g.clock.advance(50 * 60_000); // active every 50 minutes: never idle
      expect((await validate(token)).valid, `after ${(i + 1) * 50} min`).toBe(true);
    }
    g.clock.advance(41 * 60_000); // 241 minutes: expired
    expect(await validate(token)).toEqual({ valid: false, user: null, expires_at: null, message: 'Session is invalid or expired' });

    const idle = await session(g);
    g.clock.advance(3600_000);
    expect((await validate(idle)).valid).toBe(false);

    const bye = await session(g);
    const out = await g.app.inject({ method: 'POST', url: '/api/auth/logout', headers: bearer(bye) });
    expect(out.json()).toEqual({ status: 'logged_out', message: 'Session ended' });
    expect((await validate(bye)).valid).toBe(false);
    expect((await gql(g, bearer(bye), '{ execution(id: "1") { id } }')).statusCode).toBe(401);
    expect((await g.app.inject({ method: 'POST', url: '/api/auth/logout', headers: bearer(bye) })).json().message).toBe('No active session');
  });
});

describe('permissions', () => {
  it('check-access: viewers may view, not execute; grants with patterns; deny patterns veto their row; edit = modify; fails closed', async () => {
    const g = await gateway();
    const token = await session(g);
    const check = async (playbook_path: string, permission_type: string, session_token: string | undefined = token) =>
      (await g.app.inject({ method: 'POST', url: '/api/auth/check-access', payload: { session_token, playbook_path, permission_type } })).json();
    expect(await check('api_integration/amadeus_ai_api', 'execute')).toMatchObject({ allowed: false, user: null, playbook_path: 'api_integration/amadeus_ai_api', permission_type: 'execute' });
    const granted = await check('api_integration/amadeus_ai_api', 'view');
    // The whole answer, as seed 002 shows it (the route's response schema drops nothing).
    expect(granted).toEqual({
      allowed: true,
      user: { user_id: expect.any(Number), email: 'ada@example.com', display_name: 'Ada Lovelace' },
      playbook_path: 'api_integration/amadeus_ai_api',
      permission_type: 'view',
      message: 'Access granted: view on api_integration/amadeus_ai_api',
    });

    await g.t.client.access!.grant({ role: 'viewer', pattern: 'api_integration/*', execute: true, view: true, modify: false, deny: 'api_integration/secret*' });
    expect((await check('api_integration/amadeus_ai_api', 'execute')).allowed).toBe(true);
    expect((await check('api_integration/secret_sauce', 'execute')).allowed).toBe(false);
    expect((await check('api_integration/amadeus_ai_api', 'edit')).allowed).toBe(false);
    await g.t.client.access!.grant({ role: 'viewer', pattern: 'api_integration/amadeus_ai_api', execute: false, view: true, modify: true });
    expect(await check('api_integration/amadeus_ai_api', 'edit')).toMatchObject({ allowed: true, permission_type: 'edit' });
    expect((await check('api_integration/amadeus_ai_api', 'delete')).allowed).toBe(false);
    expect(await check('api_integration/amadeus_ai_api', 'view', 'noetl-session-nope')).toMatchObject({ allowed: false, user: null, message: 'Session is invalid or expired' });
    // The token in a header works too.
    const viaHeader = await g.app.inject({ method: 'POST', url: '/api/auth/check-access', headers: bearer(token), payload: { playbook_path: 'api_integration/x', permission_type: 'execute' } });
    expect(viaHeader.json().allowed).toBe(true);
    const denials = (await listAuditEvents(g.t.store, g.service.schema, 50)).filter((a) => a.event_type === 'permission_check');
    expect(denials).toHaveLength(5);
    expect(denials.every((a) => a.event_status === 'denied')).toBe(true);
  });
});

describe('POST /graphql', () => {
  it('refuses executePlaybook without execute on the path (HTTP 200, errors), forwards it with it, and answers execution(id)', async () => {
    const g = await gateway();
    const token = await session(g);
    const before = noetl.executed.length;
    const denied = await gql(g, bearer(token), EXECUTE, { name: 'api_integration/amadeus_ai_api', vars: { query: 'Flight from SFO to JFK' } });
    expect(denied.statusCode).toBe(200);
    expect(denied.json()).toMatchObject({ data: { executePlaybook: null }, errors: [{ message: expect.stringContaining('permission to execute'), extensions: { code: 'forbidden' } }] });
    expect(noetl.executed.length).toBe(before);

    await g.t.client.access!.grant({ role: 'viewer', pattern: 'api_integration/*', execute: true, view: true, modify: false });
    const ok = await gql(g, bearer(token), EXECUTE, { name: 'api_integration/amadeus_ai_api', vars: { query: 'Flight from SFO to JFK' } });
    expect(ok.json()).toEqual({ data: { executePlaybook: { id: EXECUTION_ID, executionId: EXECUTION_ID, name: 'amadeus_ai_api', status: 'running', textOutput: null } } });
    expect(noetl.executed.at(-1)).toEqual({ path: 'api_integration/amadeus_ai_api', workload: { query: 'Flight from SFO to JFK' }, resource_kind: 'playbook' });

    const status = await gql(g, bearer(token), 'query Status($id: ID!) { execution(id: $id) { id status result } }', { id: EXECUTION_ID });
    expect(status.json()).toEqual({ data: { execution: { id: EXECUTION_ID, status: 'completed', result: { greeting: 'hello' } } } });
    const audit = await listAuditEvents(g.t.store, g.service.schema, 10);
    expect(audit.filter((a) => a.event_type === 'playbook_execute').map((a) => a.event_status)).toEqual(['success', 'denied']);

    // Without view on that playbook, the execution cannot be read.
    await g.t.client.access!.grant({ role: 'viewer', pattern: 'api_integration/*', execute: true, view: false, modify: false });
    await g.t.client.access!.revoke('viewer', '*');
    const hidden = await gql(g, bearer(token), '{ execution(id: "' + EXECUTION_ID + '") { status } }');
    expect(hidden.json().errors[0].extensions.code).toBe('forbidden');
  });

  it('answers malformed queries with HTTP 200 errors and an unreachable server as unavailable', async () => {
    const g = await gateway({ noetlServer: new NoetlServer('http://127.0.0.1:9') });
    const token = await session(g);
    const syntax = await gql(g, bearer(token), 'mutation { executePlaybook(');
    expect(syntax.statusCode).toBe(200);
    expect(syntax.json().errors.length).toBeGreaterThan(0);
    await g.t.client.access!.grant({ role: 'viewer', pattern: 'x/*', execute: true, view: true, modify: false });
    const down = await gql(g, bearer(token), 'mutation { executePlaybook(name: "x/y") { id } }');
    expect(down.json().errors[0].extensions.code).toBe('unavailable');
  });
});

describe('admin routes', () => {
  it('need an admin service token, and manage users, roles and permissions', async () => {
    const g = await gateway();
    const token = await session(g);
    expect((await g.app.inject({ method: 'GET', url: '/api/users', headers: bearer(token) })).statusCode).toBe(401); // a session is not a service token
    const reader = await g.t.client.tokens!.create({ name: 'reader', role: 'reader', ttl_seconds: null });
    expect((await g.app.inject({ method: 'GET', url: '/api/users', headers: bearer(reader.token) })).statusCode).toBe(403);
    const admin = bearer((await g.t.client.tokens!.create({ name: 'admin', role: 'admin', ttl_seconds: null })).token);

    const users = (await g.app.inject({ method: 'GET', url: '/api/users', headers: admin })).json();
    expect(users.items).toMatchObject([{ email: 'ada@example.com', roles: ['viewer'], is_active: true, user_id: expect.any(String) }]);
    expect((await g.app.inject({ method: 'GET', url: '/api/roles', headers: admin })).json().items.map((r: { role_name: string }) => r.role_name)).toEqual(['admin', 'developer', 'analyst', 'viewer']);

    const added = await g.app.inject({ method: 'POST', url: '/api/users/ADA@example.com/roles', headers: admin, payload: { role: 'developer' } });
    expect(added.json()).toMatchObject({ email: 'ada@example.com', role: 'developer', expires_at: null });
    expect((await g.app.inject({ method: 'POST', url: '/api/users/ada@example.com/roles', headers: admin, payload: { role: 'nope' } })).statusCode).toBe(404);
    expect((await g.app.inject({ method: 'GET', url: '/api/users/nobody@example.com', headers: admin })).statusCode).toBe(404);

    const granted = await g.app.inject({ method: 'POST', url: '/api/access/permissions', headers: admin, payload: { role: 'analyst', pattern: 'api_integration/*', execute: true, deny: 'api_integration/secret*' } });
    expect(granted.json()).toMatchObject({ created: true, permission: { role_name: 'analyst', playbook_path: 'api_integration/*', can_execute: true, can_view: false, allow_pattern: 'api\\_integration/%', deny_pattern: 'api\\_integration/secret%' } });
    expect((await g.app.inject({ method: 'POST', url: '/api/access/permissions', headers: admin, payload: { role: 'analyst', pattern: 'Bad Pattern' } })).statusCode).toBe(400);
    const listed = (await g.app.inject({ method: 'GET', url: '/api/access/permissions?role=analyst', headers: admin })).json();
    expect(listed.items.map((p: { playbook_path: string }) => p.playbook_path)).toEqual(['api_integration/*', 'data/*']);
    const check = (user: string, path: string) => g.app.inject({ method: 'POST', url: '/api/access/check', headers: admin, payload: { user, playbook_path: path, permission_type: 'execute' } });
    expect((await check('ada@example.com', 'system/backup')).json()).toMatchObject({ allowed: false }); // developer: deny system/%
    expect((await check('ada@example.com', 'api_integration/x')).json()).toMatchObject({ allowed: true, user: { roles: ['developer', 'viewer'] } });
    expect((await g.app.inject({ method: 'DELETE', url: '/api/access/permissions?role=analyst&pattern=api_integration/*', headers: admin })).json()).toEqual({ role: 'analyst', pattern: 'api_integration/*', removed: 1 });
    expect((await g.app.inject({ method: 'DELETE', url: '/api/access/permissions?role=analyst&pattern=api_integration/*', headers: admin })).statusCode).toBe(404);
    expect((await g.app.inject({ method: 'DELETE', url: '/api/users/ada@example.com/roles/developer', headers: admin })).json()).toMatchObject({ role: 'developer', removed: true });

    const disabled = await g.app.inject({ method: 'POST', url: '/api/users/ada@example.com/disable', headers: admin });
    expect(disabled.json()).toMatchObject({ is_active: false });
    expect((await g.app.inject({ method: 'POST', url: '/api/auth/validate', payload: { session_token: token } })).json().valid).toBe(false);
    expect((await login(g, await issuer.token())).statusCode).toBe(403);
    await g.app.inject({ method: 'POST', url: '/api/users/ada@example.com/enable', headers: admin });
    expect((await login(g, await issuer.token())).statusCode).toBe(200);
  });
});
