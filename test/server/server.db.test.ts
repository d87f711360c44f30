// The server shell, driven in-process with app.inject() (no socket) over a real database of
// this run's backend: probes, metrics, the API description, token auth by role, the error
// table, body limits and parsing, request logs and the audit trail.
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { TokenRole } from '../../src/api/tokens.js';
import { localTokenAuthority } from '../../src/backends/local/tokens.js';
import { ERROR_CODES, NoetlError, type ErrorCode } from '../../src/core/errors.js';
import { buildServer, noteAudit } from '../../src/server/app.js';
import { errorCodeOfStatus, HTTP_STATUS_OF } from '../../src/server/errors.js';
import { jsonLogger } from '../../src/server/log.js';
import { testClient, type TestClient } from '../helpers/client.js';
import { fakeClock } from '../helpers/store.js';

interface Setup extends TestClient {
  app: FastifyInstance;
  /** The log lines written so far. */
  log: string[];
  token(role: TokenRole, name?: string, ttlSeconds?: number | null): Promise<string>;
}

const opened: { app: FastifyInstance; client?: TestClient }[] = [];
/** One database for the tests that need none of their own (tokens get unique names). */
let shared: Promise<TestClient> | undefined;
let tokenCount = 0;

afterEach(async () => {
  for (const s of opened.splice(0)) {
    await s.app.close();
    await s.client?.close();
  }
});

afterAll(async () => {
  await (await shared)?.close();
});

/** An app over the shared database, or over a database of its own (`fresh`, or with a clock). */
async function setup(options: { bodyLimit?: number; auth?: boolean; clock?: () => Date; fresh?: boolean } = {}): Promise<Setup> {
  const own = options.fresh || options.clock !== undefined;
  const t = own ? await testClient({ clock: options.clock }) : await (shared ??= testClient());
  const log: string[] = [];
  const app = buildServer({
    client: t.client,
    tokens: localTokenAuthority({ store: t.store }),
    auth: options.auth,
    bodyLimit: options.bodyLimit,
    logger: jsonLogger((line) => log.push(line), 'debug'),
    version: '9.9.9',
  });
  // Routes of the kind the noun routes will be: a write, an error of each code, a bug, a reveal.
  app.post(
    '/test/echo',
    {
      config: { access: 'writer', audit: true },
      schema: { body: { type: 'object', additionalProperties: false, properties: { id: {}, name: { type: 'string' }, blob: { type: 'string' } } } },
    },
    async (request) => ({ received: request.body }),
  );
  app.get<{ Params: { code: ErrorCode } }>('/test/fail/:code', async (request) => {
    throw new NoetlError(request.params.code, `failed with ${request.params.code}`, { hint: { option: 'replace', text: 'to overwrite it' }, details: ['line one'], reason: 'why' });
  });
  app.get('/test/bug', async () => {
    throw new Error('internal detail: password=hunter2');
  });
  app.get('/test/reveal', { config: { access: 'revealer' } }, async (request) => {
    noteAudit(request, { action: 'reveal test', target: 'thing' });
    return { ok: true };
  });
  const s: Setup = {
    ...t,
    app,
    log,
    token: async (role, name = `${role}-${++tokenCount}`, ttlSeconds = 3600) => (await t.client.tokens.create({ name, role, ttl_seconds: ttlSeconds })).token,
  };
  opened.push({ app, client: own ? t : undefined });
  return s;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** The audit rows, once the answer's onResponse hook has written them. */
async function auditRows(s: Setup, count: number) {
  for (let i = 0; i < 100; i++) {
    const rows = (await s.client.tokens.audit()).filter((r) => r.source !== 'cli');
    if (rows.length >= count) return rows;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`fewer than ${count} audit rows`);
}

describe('probes, metrics and the API description', () => {
  it('GET /health answers without a token', async () => {
    const s = await setup();
    const res = await s.app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('GET /ready is 200 on a reachable, current database and 503 when the database is gone', async () => {
    const s = await setup({ fresh: true });
    const ok = await s.app.inject({ method: 'GET', url: '/ready' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ status: 'ready' });
    await s.store.close();
    const down = await s.app.inject({ method: 'GET', url: '/ready' });
    expect(down.statusCode).toBe(503);
    expect(down.json()).toMatchObject({ status: 503, code: 'unavailable' });
    expect(down.json().error).toMatch(/^not ready: /);
  });

  it('GET /ready is 503 while a migration is pending', async () => {
    const s = await setup({ fresh: true });
    await s.store.query("DELETE FROM schema_migrations WHERE version = (SELECT max(version) FROM schema_migrations)");
    const res = await s.app.inject({ method: 'GET', url: '/ready' });
    expect(res.statusCode).toBe(503);
    expect(res.json().error).toMatch(/pending migration/);
  });

  it('GET /metrics needs a token and counts requests by route and status, with a latency histogram', async () => {
    const s = await setup();
    const token = await s.token('reader');
    expect((await s.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    await s.app.inject({ method: 'GET', url: '/health' });
    await s.app.inject({ method: 'GET', url: '/health' });
    await s.app.inject({ method: 'GET', url: '/no/such/route/507431238966182398' });
    const res = await s.app.inject({ method: 'GET', url: '/metrics', headers: bearer(token) });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = res.body;
    expect(text).toContain('# TYPE noetl_http_requests_total counter');
    expect(text).toContain('noetl_http_requests_total{method="GET",route="/health",status="200"} 2');
    expect(text).toContain('noetl_http_requests_total{method="GET",route="/metrics",status="401"} 1');
    // Unmatched paths share one label: no unbounded label values.
    expect(text).toContain('noetl_http_requests_total{method="GET",route="unmatched",status="404"} 1');
    expect(text).not.toContain('507431238966182398');
    expect(text).toContain('# TYPE noetl_http_request_duration_seconds histogram');
    expect(text).toMatch(/noetl_http_request_duration_seconds_bucket\{method="GET",route="\/health",le="\+Inf"\} 2/);
    expect(text).toMatch(/noetl_http_request_duration_seconds_count\{method="GET",route="\/health"\} 2/);
    expect(text).toContain('noetl_http_auth_failures_total{status="401"} 1');
  });

  it('GET /openapi.json describes every route from its schema, with the role it needs', async () => {
    const s = await setup();
    const res = await s.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.version).toBe('9.9.9');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/health', '/ready', '/metrics', '/openapi.json', '/test/echo', '/test/fail/{code}']));
    expect(doc.paths['/health'].get.security).toEqual([]);
    expect(doc.paths['/health'].head).toBeUndefined();
    expect(doc.paths['/metrics'].get['x-noetl-role']).toBe('reader');
    expect(doc.paths['/test/echo'].post['x-noetl-role']).toBe('writer');
    expect(doc.paths['/test/echo'].post.requestBody.content['application/json'].schema.additionalProperties).toBe(false);
    expect(doc.paths['/test/fail/{code}'].get.parameters).toBeUndefined();
    expect(doc.components.schemas.Error.required).toEqual(['error', 'status', 'code', 'detail']);
  });
});

describe('token authentication and roles', () => {
  it('401 without a token, with an unknown or malformed one, and after the token is removed', async () => {
    const s = await setup();
    const token = await s.token('admin', 'ops');
    const none = await s.app.inject({ method: 'POST', url: '/test/echo', payload: {} });
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer');
    expect(none.json()).toMatchObject({ status: 401, code: 'unauthenticated' });
    for (const wrong of ['noetl_' + 'A'.repeat(43), 'nope', token + 'x']) {
      const res = await s.app.inject({ method: 'POST', url: '/test/echo', payload: {}, headers: bearer(wrong) });
      expect(res.statusCode).toBe(401);
      expect(res.body).not.toContain(wrong);
    }
    expect((await s.app.inject({ method: 'POST', url: '/test/echo', payload: {}, headers: bearer(token) })).statusCode).toBe(200);
    await s.client.tokens.remove('ops');
    expect((await s.app.inject({ method: 'POST', url: '/test/echo', payload: {}, headers: bearer(token) })).statusCode).toBe(401);
  });

  it('401 once the token has expired', async () => {
    const clock = fakeClock();
    const s = await setup({ clock });
    const token = await s.token('reader', 'short', 60);
    expect((await s.app.inject({ method: 'GET', url: '/metrics', headers: bearer(token) })).statusCode).toBe(200);
    clock.advance(61_000);
    expect((await s.app.inject({ method: 'GET', url: '/metrics', headers: bearer(token) })).statusCode).toBe(401);
  });

  it('reads the token from X-Session-Token and the session_token cookie too', async () => {
    const s = await setup();
    const token = await s.token('reader');
    expect((await s.app.inject({ method: 'GET', url: '/metrics', headers: { 'x-session-token': token } })).statusCode).toBe(200);
    expect((await s.app.inject({ method: 'GET', url: '/metrics', headers: { cookie: `theme=dark; session_token=${token}` } })).statusCode).toBe(200);
  });

  it('403 for a role below the route: reader < writer < revealer < admin', async () => {
    const s = await setup();
    const tokens = { reader: await s.token('reader'), writer: await s.token('writer'), revealer: await s.token('revealer'), admin: await s.token('admin') };
    const write = (role: TokenRole) => s.app.inject({ method: 'POST', url: '/test/echo', payload: {}, headers: bearer(tokens[role]) });
    const reveal = (role: TokenRole) => s.app.inject({ method: 'GET', url: '/test/reveal', headers: bearer(tokens[role]) });
    const denied = await write('reader');
    expect(denied.statusCode).toBe(403);
    expect(denied.json()).toMatchObject({ status: 403, code: 'forbidden' });
    expect(denied.json().error).toMatch(/^token 'reader-\d+' has role reader; this needs writer or above$/);
    expect((await write('writer')).statusCode).toBe(200);
    expect((await write('admin')).statusCode).toBe(200);
    expect((await reveal('writer')).statusCode).toBe(403);
    expect((await reveal('revealer')).statusCode).toBe(200);
    expect((await reveal('admin')).statusCode).toBe(200);
  });

  it('without auth (--insecure-no-auth) every request is an anonymous admin', async () => {
    const s = await setup({ auth: false });
    expect((await s.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
    expect((await s.app.inject({ method: 'GET', url: '/test/reveal' })).statusCode).toBe(200);
  });
});

describe('errors', () => {
  it('maps every error code to its one HTTP status, in the error body of API.md', async () => {
    const s = await setup();
    const token = await s.token('reader');
    expect(HTTP_STATUS_OF).toEqual({ invalid: 400, unauthenticated: 401, forbidden: 403, not_found: 404, conflict: 409, expired: 410, unavailable: 503, internal: 500 });
    for (const code of ERROR_CODES) {
      const res = await s.app.inject({ method: 'GET', url: `/test/fail/${code}`, headers: bearer(token) });
      expect(res.statusCode, code).toBe(HTTP_STATUS_OF[code]);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.json()).toEqual({
        error: `failed with ${code}`,
        status: HTTP_STATUS_OF[code],
        code,
        detail: `failed with ${code}`,
        hint: { option: 'replace', text: 'to overwrite it' },
        details: ['line one'],
        reason: 'why',
      });
      expect(errorCodeOfStatus(HTTP_STATUS_OF[code])).toBe(code);
    }
    expect([422, 413, 415, 418].map(errorCodeOfStatus)).toEqual(['invalid', 'invalid', 'invalid', 'invalid']);
    expect(errorCodeOfStatus(429)).toBe('unavailable');
    expect([502, 504].map(errorCodeOfStatus)).toEqual(['unavailable', 'unavailable']);
  });

  it('a bug is 500 internal, with nothing of its message', async () => {
    const s = await setup();
    const res = await s.app.inject({ method: 'GET', url: '/test/bug', headers: bearer(await s.token('reader')) });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toMatchObject({ status: 500, code: 'internal' });
    expect(res.body).not.toContain('hunter2');
  });

  it('an unknown route is 404 not_found', async () => {
    const s = await setup();
    const res = await s.app.inject({ method: 'GET', url: '/api/nothing?secret=1' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ status: 404, code: 'not_found', error: 'no route GET /api/nothing' });
  });
});

describe('request bodies', () => {
  it('refuses a body over the limit with 413 (1 MiB by default)', async () => {
    const s = await setup();
    const token = await s.token('writer');
    const big = JSON.stringify({ blob: 'x'.repeat(1024 * 1024) });
    const res = await s.app.inject({ method: 'POST', url: '/test/echo', payload: big, headers: { ...bearer(token), 'content-type': 'application/json' } });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ status: 413, code: 'invalid', error: 'request body is larger than the limit of 1048576 bytes' });
    const fits = JSON.stringify({ blob: 'x'.repeat(1024 * 1024 - 20) });
    expect((await s.app.inject({ method: 'POST', url: '/test/echo', payload: fits, headers: { ...bearer(token), 'content-type': 'application/json' } })).statusCode).toBe(200);
  });

  it('honours a smaller body limit', async () => {
    const s = await setup({ bodyLimit: 100 });
    const token = await s.token('writer');
    const res = await s.app.inject({ method: 'POST', url: '/test/echo', payload: { blob: 'x'.repeat(200) }, headers: bearer(token) });
    expect(res.statusCode).toBe(413);
  });

  it('malformed JSON is 400 naming a line and column, never the text', async () => {
    const s = await setup();
    const token = await s.token('writer');
    const res = await s.app.inject({ method: 'POST', url: '/test/echo', payload: '{"blob": "s3cr3t-value", oops}', headers: { ...bearer(token), 'content-type': 'application/json' } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ status: 400, code: 'invalid', reason: 'syntax' });
    expect(res.json().error).toMatch(/line 1, column \d+/);
    expect(res.body).not.toContain('s3cr3t');
  });

  it('unknown fields and wrong types are 400; another content type is 415', async () => {
    const s = await setup();
    const headers = bearer(await s.token('writer'));
    const unknown = await s.app.inject({ method: 'POST', url: '/test/echo', payload: { name: 'a', extra: 1 }, headers });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json()).toMatchObject({ code: 'invalid', reason: 'validation' });
    expect(unknown.json().error).toMatch(/additional properties/);
    const wrongType = await s.app.inject({ method: 'POST', url: '/test/echo', payload: { name: { nested: true } }, headers });
    expect(wrongType.statusCode).toBe(400);
    const text = await s.app.inject({ method: 'POST', url: '/test/echo', payload: 'name=a', headers: { ...headers, 'content-type': 'text/plain' } });
    expect(text.statusCode).toBe(415);
    expect(text.json()).toMatchObject({ status: 415, code: 'invalid' });
  });

  it('keeps 64-bit integers in a body exact', async () => {
    const s = await setup();
    const res = await s.app.inject({
      method: 'POST',
      url: '/test/echo',
      payload: '{"id": 507431238966182398}',
      headers: { ...bearer(await s.token('writer')), 'content-type': 'application/json' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('{"received":{"id":"507431238966182398"}}');
  });
});

describe('logs and audit', () => {
  it('logs one JSON line per request (route, status, ms) and never a token, a query or a body', async () => {
    const s = await setup();
    const token = await s.token('writer', 'log-writer');
    await s.app.inject({ method: 'POST', url: '/test/echo?api_key=QUERYSECRET', payload: { blob: 'BODYSECRET' }, headers: bearer(token) });
    await s.app.inject({ method: 'GET', url: '/metrics', headers: { cookie: `session_token=${token}` } });
    await s.app.inject({ method: 'GET', url: '/test/bug', headers: { 'x-session-token': token } });
    await s.app.inject({ method: 'GET', url: '/metrics', headers: bearer('noetl_' + 'B'.repeat(43)) });
    const text = s.log.join('');
    for (const secret of [token, token.slice(6), 'QUERYSECRET', 'BODYSECRET', 'B'.repeat(43)]) expect(text).not.toContain(secret);
    const requests = s.log.map((l) => JSON.parse(l)).filter((l) => l.msg === 'request');
    expect(requests).toHaveLength(4);
    expect(requests[0]).toMatchObject({ level: 'info', method: 'POST', route: '/test/echo', status: 200, actor: 'log-writer' });
    expect(typeof requests[0].ms).toBe('number');
    expect(requests.map((r) => r.status)).toEqual([200, 200, 500, 401]);
    expect(s.log.every((l) => l.endsWith('\n') && l.indexOf('\n') === l.length - 1)).toBe(true);
    // The bug is logged (its message, for the operator), the answer says nothing of it.
    expect(s.log.some((l) => JSON.parse(l).level === 'error' && l.includes('internal detail'))).toBe(true);
  });

  it('writes an audit line for every write and every noted reveal: who, what, from where, how it ended', async () => {
    const s = await setup({ fresh: true });
    const writer = await s.token('writer', 'ci-writer');
    const reader = await s.token('reader', 'ci-reader');
    const revealer = await s.token('revealer', 'worker');
    await s.app.inject({ method: 'POST', url: '/test/echo', payload: { blob: 'BODYSECRET' }, headers: bearer(writer) });
    await s.app.inject({ method: 'POST', url: '/test/echo', payload: {}, headers: bearer(reader) });
    await s.app.inject({ method: 'GET', url: '/test/reveal', headers: bearer(revealer) });
    await s.app.inject({ method: 'GET', url: '/metrics', headers: bearer(reader) });
    const rows = await auditRows(s, 3);
    expect(rows.map(({ actor, action, target, source, outcome }) => ({ actor, action, target, source, outcome })).reverse()).toEqual([
      { actor: 'ci-writer', action: 'POST /test/echo', target: null, source: '127.0.0.1', outcome: 'ok' },
      { actor: 'ci-reader', action: 'POST /test/echo', target: null, source: '127.0.0.1', outcome: '403' },
      { actor: 'worker', action: 'reveal test', target: 'thing', source: '127.0.0.1', outcome: 'ok' },
    ]);
    expect(JSON.stringify(rows)).not.toContain('BODYSECRET');
  });
});
