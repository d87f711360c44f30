/**
 * The remote backend against upstream NoETL servers: a real node:http server on 127.0.0.1
 * replays the answers of the Python server (`status: success`, `token_data`, vars as a map,
 * `{"detail"}` errors, ids as JSON numbers beyond 2^53) and of the Rust server (`status:
 * found`, `data`, vars as a bare array, `{"error","status"}` and plain-text errors), and the
 * client reads them all: 64-bit ids exact, every error shape mapped to its code, retries on GET
 * only, an unreachable server in one clear line.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { NoetlClient } from '../../src/api/index.js';
import { createHttpClient } from '../../src/backends/http/index.js';
import { fails } from '../helpers/errors.js';

/** Beyond 2^53: a JS number would round these. */
const CATALOG_ID = '518508477736551392';
const EXEC = '507431238966182398';
const BIG_ID = '9223372036854775807';
const TOKEN = 'noetl_dialect-test-token-0123456789abcdefghijklmnopq';

interface Answer {
  status?: number;
  /** JSON text as the server writes it (so integers beyond 2^53 stay numbers on the wire), or plain text. */
  body: string;
  type?: string;
}

interface Seen {
  method: string;
  url: string;
  authorization?: string;
  body: string;
}

/** A scripted server: `METHOD /path` → answers, served in turn (the last one repeats). */
class ReplayServer {
  readonly seen: Seen[] = [];
  private routes = new Map<string, Answer[]>();
  private server: Server = createServer((req, res) => void this.answer(req, res));
  url = '';

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  on(route: string, ...answers: Answer[]): void {
    this.routes.set(route, answers);
  }

  reset(): void {
    this.routes.clear();
    this.seen.length = 0;
  }

  count(route: string): number {
    return this.seen.filter((s) => `${s.method} ${s.url.split('?')[0]}` === route).length;
  }

  private async answer(req: IncomingMessage, res: import('node:http').ServerResponse): Promise<void> {
    let body = '';
    for await (const chunk of req) body += chunk;
    this.seen.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization, body });
    const answers = this.routes.get(`${req.method} ${(req.url ?? '').split('?')[0]}`);
    const answer = answers?.length ? (answers.length > 1 ? answers.shift()! : answers[0]!) : { status: 404, body: '{"detail":"Not Found"}' };
    res.writeHead(answer.status ?? 200, { 'content-type': answer.type ?? 'application/json' });
    res.end(answer.body);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const json = (text: string, status = 200): Answer => ({ status, body: text });

describe('remote backend: upstream dialects', () => {
  const server = new ReplayServer();
  let client: NoetlClient;
  const slept: number[] = [];

  beforeAll(async () => {
    await server.start();
    client = createHttpClient({ serverUrl: server.url, token: TOKEN, sleep: async (ms) => void slept.push(ms) });
  });
  afterEach(() => {
    server.reset();
    slept.length = 0;
  });
  afterAll(async () => {
    await client.close();
    await server.close();
  });

  it('sends the token as a bearer token; the backend says where it is', async () => {
    server.on('GET /api/credentials', json('{"items": [], "filter": {"type": null, "q": null}}'));
    expect(await client.credentials.list()).toEqual([]);
    expect(server.seen[0]!.authorization).toBe(`Bearer ${TOKEN}`);
    expect(client.backend).toEqual({ kind: 'http', location: server.url });
    expect(client.admin).toBeUndefined();
  });

  it('credentials, Python: nulls kept, ids as numbers beyond 2^53 exact, times without a zone read as UTC', async () => {
    const row = `{"id": ${BIG_ID}, "name": "pg_prod", "type": "postgres", "meta": null, "tags": ["prod", "db"], "description": null, "created_at": "2026-01-02T03:04:05.123456", "updated_at": "2026-01-02T03:04:05.123456"}`;
    server.on('GET /api/credentials', json(`{"items": [${row}], "filter": {"type": null, "q": null}}`));
    const [listed] = await client.credentials.list();
    expect(listed).toEqual({
      id: BIG_ID,
      name: 'pg_prod',
      type: 'postgres',
      description: null,
      tags: ['prod', 'db'],
      meta: null,
      schema: null,
      created_at: '2026-01-02T03:04:05.123Z',
      updated_at: '2026-01-02T03:04:05.123Z',
    });
    // Upstream ignores our tag filter: the client applies it too.
    expect(await client.credentials.list({ tags: ['nope'] })).toEqual([]);

    server.on('GET /api/credentials/pg_prod', json(`{"id": ${BIG_ID}, "name": "pg_prod", "type": "postgres", "meta": null, "tags": null, "description": null, "created_at": "2026-01-02T03:04:05Z", "updated_at": "2026-01-02T03:04:05Z", "data": {"password": "s3cret"}}`));
    const got = await client.credentials.get('pg_prod', { reveal: true });
    expect(got).toMatchObject({ id: BIG_ID, tags: [], data: { password: 's3cret' }, revealed: true, legacy: false, warnings: [] });
    expect(server.seen.at(-1)!.url).toBe('/api/credentials/pg_prod?include_data=true&reveal=true');

    server.on('DELETE /api/credentials/pg_prod', json(`{"message": "Credential deleted successfully", "id": ${BIG_ID}, "name": "pg_prod"}`));
    expect(await client.credentials.remove('pg_prod')).toEqual({ id: BIG_ID, name: 'pg_prod', deleted: true });
  });

  it('credentials, Rust: nulls omitted, credential_type, a bare array', async () => {
    server.on('GET /api/credentials', json(`[{"id": "${BIG_ID}", "name": "k", "credential_type": "secret", "created_at": "2026-01-02T03:04:05Z"}]`));
    expect(await client.credentials.list()).toEqual([
      { id: BIG_ID, name: 'k', type: 'secret', description: null, tags: [], meta: null, schema: null, created_at: '2026-01-02T03:04:05.000Z', updated_at: '2026-01-02T03:04:05.000Z' },
    ]);
  });

  it('keychain reads: Python success with token_data, Rust found with data, expired, not_found (200 or 404); catalog ids exact', async () => {
    const path = `GET /api/keychain/${CATALOG_ID}/amadeus_token`;
    server.on(
      path,
      json(
        `{"status": "success", "keychain_name": "amadeus_token", "catalog_id": ${CATALOG_ID}, "cache_key": "amadeus_token:${CATALOG_ID}:global", "token_data": {"access_token": "t0k"}, "credential_type": "oauth2", "cache_type": "token", "scope_type": "global", "expires_at": "2026-01-01T01:00:00+00:00", "ttl_seconds": 3600, "accessed_at": "2026-01-01T00:00:00+00:00", "access_count": 3, "auto_renew": false, "expired": false}`,
      ),
    );
    const python = await client.keychain.get('amadeus_token', { catalog_id: CATALOG_ID }, { reveal: true });
    expect(python).toEqual({
      status: 'success',
      keychain_name: 'amadeus_token',
      catalog_id: CATALOG_ID,
      cache_key: `amadeus_token:${CATALOG_ID}:global`,
      token_data: { access_token: 't0k' },
      credential_type: 'oauth2',
      cache_type: 'token',
      scope_type: 'global',
      expires_at: '2026-01-01T01:00:00.000Z',
      ttl_seconds: 3600,
      accessed_at: '2026-01-01T00:00:00.000Z',
      access_count: 3,
      auto_renew: false,
      expired: false,
      renewed: false,
      warnings: [],
    });
    expect(server.seen.at(-1)!.url).toBe(`/api/keychain/${CATALOG_ID}/amadeus_token?scope_type=global&reveal=true`);

    server.on(path, json(`{"status": "found", "keychain_name": "amadeus_token", "catalog_id": ${CATALOG_ID}, "data": {"access_token": "rust"}, "expires_at": "2026-01-01T01:00:00Z"}`));
    expect(await client.keychain.get('amadeus_token', { catalog_id: CATALOG_ID })).toMatchObject({
      status: 'success',
      catalog_id: CATALOG_ID,
      cache_key: `amadeus_token:${CATALOG_ID}:global`,
      token_data: { access_token: 'rust' },
    });

    server.on(path, json(`{"status": "expired", "keychain_name": "amadeus_token", "catalog_id": ${CATALOG_ID}, "cache_key": "k", "auto_renew": true, "expired": true}`));
    expect(await client.keychain.get('amadeus_token', { catalog_id: CATALOG_ID })).toMatchObject({ status: 'expired', expired: true, auto_renew: true, catalog_id: CATALOG_ID });

    server.on(path, json(`{"status": "not_found", "keychain_name": "amadeus_token", "catalog_id": ${CATALOG_ID}, "cache_key": "k"}`));
    expect(await client.keychain.get('amadeus_token', { catalog_id: CATALOG_ID })).toEqual({
      status: 'not_found',
      keychain_name: 'amadeus_token',
      catalog_id: CATALOG_ID,
      cache_key: 'k',
      elsewhere: [],
      other_versions: [],
      warnings: [],
    });
    server.on(path, json(`{"status": "not_found", "keychain_name": "amadeus_token", "catalog_id": "${CATALOG_ID}", "cache_key": "k", "error": "not found", "code": "not_found"}`, 404));
    expect(await client.keychain.get('amadeus_token', { catalog_id: CATALOG_ID })).toMatchObject({ status: 'not_found', catalog_id: CATALOG_ID });
  });

  it("keychain entries of a catalog entry: upstream's route, 64-bit ids exact", async () => {
    server.on(
      `GET /api/keychain/catalog/${CATALOG_ID}`,
      json(
        `{"status": "success", "catalog_id": ${CATALOG_ID}, "count": 1, "entries": [{"keychain_name": "s", "cache_key": "s:${CATALOG_ID}:${EXEC}", "scope_type": "local", "credential_type": "bearer", "cache_type": "token", "execution_id": ${EXEC}, "expires_at": "2026-01-01T01:00:00", "expired": false, "auto_renew": false, "access_count": 2, "accessed_at": null, "created_at": "2026-01-01T00:00:00"}]}`,
      ),
    );
    expect(await client.keychain.list({ catalog_id: CATALOG_ID })).toEqual([
      {
        keychain_name: 's',
        cache_key: `s:${CATALOG_ID}:${EXEC}`,
        catalog_id: CATALOG_ID,
        scope_type: 'local',
        execution_id: EXEC,
        parent_execution_id: null,
        credential_type: 'bearer',
        cache_type: 'token',
        expires_at: '2026-01-01T01:00:00.000Z',
        expired: false,
        auto_renew: false,
        access_count: 2,
        accessed_at: '2026-01-01T00:00:00.000Z',
        created_at: '2026-01-01T00:00:00.000Z',
      },
    ]);
  });

  it('keychain write and delete: Python success, Rust 200 not_found', async () => {
    const path = `/api/keychain/${CATALOG_ID}/svc`;
    server.on(
      `POST ${path}`,
      json(`{"status": "success", "message": "Keychain entry cached successfully with 600s TTL", "keychain_name": "svc", "catalog_id": ${CATALOG_ID}, "cache_key": "svc:${CATALOG_ID}:global", "expires_at": "2026-01-01T00:10:00Z", "ttl_seconds": 600, "auto_renew": false}`),
    );
    const set = await client.keychain.set({ catalog_id: CATALOG_ID, name: 'svc', data: { k: 'v' }, ttl_seconds: 600 });
    expect(set).toEqual({
      status: 'success',
      message: 'Keychain entry cached successfully with 600s TTL',
      keychain_name: 'svc',
      catalog_id: CATALOG_ID,
      cache_key: `svc:${CATALOG_ID}:global`,
      scope_type: 'global',
      expires_at: '2026-01-01T00:10:00.000Z',
      ttl_seconds: 600,
      auto_renew: false,
      warnings: [],
    });
    expect(JSON.parse(server.seen.at(-1)!.body)).toEqual({ token_data: { k: 'v' }, scope_type: 'global', ttl_seconds: 600 });

    server.on(`DELETE ${path}`, json(`{"status": "not_found", "message": "Keychain entry not found", "keychain_name": "svc", "catalog_id": ${CATALOG_ID}}`));
    expect(await client.keychain.remove(['svc'], { catalog_id: CATALOG_ID })).toEqual([
      { status: 'not_found', message: 'Keychain entry not found', keychain_name: 'svc', catalog_id: CATALOG_ID, cache_key: `svc:${CATALOG_ID}:global`, other_versions: [] },
    ]);
  });

  it('vars: Python map, Rust bare array; 64-bit ids in values exact; a Python write answer is read back', async () => {
    server.on(
      `GET /api/vars/${EXEC}`,
      json(`{"execution_id": ${EXEC}, "count": 1, "variables": {"child": {"value": {"id": ${BIG_ID}}, "type": "step_result", "source_step": "s1", "created_at": "2026-01-01T00:00:00", "accessed_at": null, "access_count": 0}}}`),
    );
    expect(await client.vars.list(EXEC)).toEqual([
      { execution_id: EXEC, name: 'child', type: 'step_result', source_step: 's1', created_at: '2026-01-01T00:00:00.000Z', updated_at: '2026-01-01T00:00:00.000Z', value: { id: BIG_ID } },
    ]);

    server.on(
      `GET /api/vars/${EXEC}`,
      json(`[{"var_name": "a", "var_type": "user_defined", "var_value": 1, "source_step": null, "created_at": "2026-01-01T00:00:00Z", "accessed_at": null, "access_count": 0}, {"var_name": "b", "var_type": "computed", "var_value": "x", "created_at": "2026-01-01T00:00:01Z"}]`),
    );
    expect((await client.vars.list(EXEC)).map((v) => [v.name, v.type, v.value, v.execution_id])).toEqual([
      ['a', 'user_defined', 1, EXEC],
      ['b', 'computed', 'x', EXEC],
    ]);
    expect((await client.vars.list(EXEC, { type: 'computed' })).map((v) => v.name)).toEqual(['b']);

    server.on(`POST /api/vars/${EXEC}`, json(`{"execution_id": ${EXEC}, "variables_set": 1, "var_names": ["n"]}`));
    server.on(`GET /api/vars/${EXEC}/n`, json(`{"execution_id": ${EXEC}, "var_name": "n", "value": 5, "type": "computed", "source_step": null, "created_at": "2026-01-01T00:00:00Z", "accessed_at": null, "access_count": 1}`));
    expect(await client.vars.set({ execution_id: EXEC, name: 'n', value: 5 })).toMatchObject({ execution_id: EXEC, name: 'n', value: 5, type: 'computed' });
    expect(JSON.parse(server.seen.find((s) => s.method === 'POST')!.body)).toEqual({ variables: { n: 5 }, var_type: 'computed' });

    server.on(`DELETE /api/vars/${EXEC}`, json(`{"execution_id": ${EXEC}, "deleted_count": 2}`));
    expect(await client.vars.removeAll(EXEC)).toEqual({ execution_id: EXEC, name: null, removed: 2 });
  });

  it("auth-cache: the upstream worker's answer shape; a 404 is a miss", async () => {
    server.on('GET /api/auth-cache/amadeus%3Aglobal%3Aoauth', json('{"data": {"access_token": "t"}, "credential_type": "oauth2", "cache_type": "token", "expires_at": "2026-01-01T01:00:00"}'));
    expect(await client.cache.getToken('amadeus', 'oauth', { reveal: true })).toEqual({
      cache_key: 'amadeus:global:oauth',
      credential_type: 'oauth2',
      cache_type: 'token',
      data: { access_token: 't' },
      expires_at: '2026-01-01T01:00:00.000Z',
      warnings: [],
    });
    server.on('GET /api/auth-cache/amadeus%3Aglobal%3Aoauth', json('{"detail": "Not Found"}', 404));
    expect(await client.cache.getToken('amadeus', 'oauth')).toBeUndefined();
  });

  it('errors in every dialect map to their codes, with the server message', async () => {
    const cases: [Answer, string, string][] = [
      [json('{"detail": "Credential not found"}', 404), 'not_found', 'Credential not found'],
      [json('{"detail": [{"loc": ["body", "name"], "msg": "field required", "type": "value_error.missing"}]}', 422), 'invalid', 'invalid request: body.name: field required'],
      [json('{"error": "credential already exists", "status": 409}', 409), 'conflict', 'credential already exists'],
      [{ status: 400, body: 'Failed to parse the request body as JSON: expected value at line 1 column 1', type: 'text/plain' }, 'invalid', 'Failed to parse the request body as JSON: expected value at line 1 column 1'],
      [{ status: 415, body: 'Expected request with `Content-Type: application/json`', type: 'text/plain' }, 'invalid', 'Expected request with `Content-Type: application/json`'],
      [{ status: 401, body: 'Unauthorized', type: 'text/plain' }, 'unauthenticated', 'Unauthorized'],
      [json('{"error": "forbidden"}', 403), 'forbidden', 'forbidden'],
      [json('{"error": "name taken", "status": 409, "code": "conflict", "detail": "name taken", "hint": {"option": "replace", "text": "to overwrite it"}, "reason": "exists"}', 409), 'conflict', 'name taken'],
    ];
    for (const [answer, code, message] of cases) {
      server.on('POST /api/credentials', answer);
      const err = await fails(client.credentials.add({ name: 'x', type: 'secret', data: { a: 1 } }));
      expect([err.code, err.message], answer.body).toEqual([code, message]);
      expect(err.message).not.toContain(TOKEN);
    }
    server.on('POST /api/credentials', json('{"detail": [{"loc": ["body", "data"], "msg": "value is not a valid dict", "type": "type_error.dict"}]}', 422));
    expect((await fails(client.credentials.add({ name: 'x', type: 'secret', data: { a: 1 } }))).details).toEqual(['body.data: value is not a valid dict']);
    server.on('POST /api/credentials', json('{"error": "name taken", "status": 409, "code": "conflict", "detail": "name taken", "hint": {"option": "replace"}, "reason": "exists", "details": ["one"]}', 409));
    expect(await fails(client.credentials.add({ name: 'x', type: 'secret', data: { a: 1 } }))).toMatchObject({ hint: { option: 'replace' }, reason: 'exists', details: ['one'] });
    server.on('POST /api/credentials', json('{"detail": "bad", "hint": "give a name"}', 400));
    expect((await fails(client.credentials.add({ name: 'x', type: 'secret', data: { a: 1 } }))).hint).toEqual({ text: 'give a name' });
  });

  it('5xx: one line naming the server and the request; 500 internal, 503 unavailable', async () => {
    server.on('POST /api/credentials', json('{"detail": "database is down"}', 503));
    const down = await fails(client.credentials.add({ name: 'x', type: 'secret', data: { a: 1 } }));
    expect([down.code, down.message]).toEqual(['unavailable', `NoETL server ${server.url} failed on POST /api/credentials (503): database is down`]);
    server.on('POST /api/credentials', { status: 500, body: 'Internal Server Error', type: 'text/plain' });
    const bug = await fails(client.credentials.add({ name: 'x', type: 'secret', data: { a: 1 } }));
    expect([bug.code, bug.message]).toEqual(['internal', `NoETL server ${server.url} failed on POST /api/credentials (500): Internal Server Error`]);
    server.on('POST /api/credentials', { status: 502, body: '<html><body>Bad Gateway</body></html>', type: 'text/html' });
    expect((await fails(client.credentials.add({ name: 'x', type: 'secret', data: { a: 1 } }))).message).toBe(`NoETL server ${server.url} failed on POST /api/credentials (502): HTTP 502`);
  });

  it('retries reads (GET) on 502/503/504 with backoff, and nothing else', async () => {
    server.on('GET /api/credentials', json('{"detail": "busy"}', 503), json('{"error": "bad gateway"}', 502), json('{"items": []}'));
    expect(await client.credentials.list()).toEqual([]);
    expect(server.count('GET /api/credentials')).toBe(3);
    expect(slept).toEqual([100, 400]);

    server.reset();
    slept.length = 0;
    server.on('GET /api/credentials', json('{"detail": "busy"}', 503));
    expect((await fails(client.credentials.list())).code).toBe('unavailable');
    expect(server.count('GET /api/credentials')).toBe(3);

    // A write is never repeated: the server may have done it.
    server.on('POST /api/credentials', json('{"detail": "busy"}', 503));
    await fails(client.credentials.add({ name: 'x', type: 'secret', data: { a: 1 } }));
    expect(server.count('POST /api/credentials')).toBe(1);
    server.on(`DELETE /api/vars/${EXEC}`, json('{"detail": "busy"}', 503));
    await fails(client.vars.removeAll(EXEC));
    expect(server.count(`DELETE /api/vars/${EXEC}`)).toBe(1);

    // A bug (500) or a client error does not go away by asking again.
    server.on('GET /api/credentials/x', json('{"detail": "boom"}', 500));
    await fails(client.credentials.get('x'));
    expect(server.count('GET /api/credentials/x')).toBe(1);
  });

  it('an answer that is not JSON is unavailable, naming the server', async () => {
    server.on('GET /api/credentials', { status: 200, body: '<html>welcome</html>', type: 'text/html' });
    const err = await fails(client.credentials.list());
    expect(err.code).toBe('unavailable');
    expect(err.message).toBe(`NoETL server ${server.url} answered GET /api/credentials with something that is not JSON: is it a NoETL server?`);
  });
});

describe('remote backend: an unreachable server', () => {
  it('connection refused: one clear line, code unavailable, after retrying a read', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const slept: number[] = [];
    const client = createHttpClient({ serverUrl: `http://127.0.0.1:${port}/`, token: TOKEN, sleep: async (ms) => void slept.push(ms) });
    const err = await fails(client.credentials.list());
    expect([err.code, err.message]).toEqual(['unavailable', `cannot reach NoETL server http://127.0.0.1:${port}: connection refused`]);
    expect(err.message).not.toContain(TOKEN);
    expect(slept).toEqual([100, 400]);
    const write = await fails(client.vars.removeAll(EXEC));
    expect(write.message).toBe(`cannot reach NoETL server http://127.0.0.1:${port}: connection refused`);
    await client.close();
  });

  it('a server that never answers: one line with the time waited, not retried; a redirect is not followed', async () => {
    let requests = 0;
    const silent = createServer((req, res) => {
      requests++;
      if (req.url?.startsWith('/api/vars')) {
        res.writeHead(301, { location: 'https://noetl.example.com/api/vars/1?x=secret' });
        res.end();
      }
      // Anything else: held open, never answered.
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    // Retries as by default: a timed-out read is not repeated (the server is there, and slow).
    const client = createHttpClient({ serverUrl: url, token: TOKEN, timeoutMs: 150, sleep: async () => undefined });
    const err = await fails(client.credentials.list());
    expect([err.code, err.message]).toEqual(['unavailable', `NoETL server ${url} did not answer GET /api/credentials within 0.15 s`]);
    const moved = await fails(client.vars.list(EXEC));
    expect([moved.code, moved.message]).toEqual(['invalid', `NoETL server ${url} redirected GET /api/vars/${EXEC} to https://noetl.example.com/api/vars/1 (301): give the server URL it redirects to`]);
    expect(requests).toBe(2);
    await client.close();
    silent.closeAllConnections();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  it('a bad server URL or token is invalid, and the message holds no secret', () => {
    expect(() => createHttpClient({ serverUrl: 'ftp://x', token: TOKEN })).toThrow(/is a ftp: URL: give http\(s\):\/\//);
    expect(() => createHttpClient({ serverUrl: 'http://user:pw@host', token: TOKEN })).toThrow(/has a user or password in it/);
    try {
      createHttpClient({ serverUrl: 'http://user:pw@host', token: TOKEN });
    } catch (err) {
      expect((err as Error).message).not.toContain('pw');
    }
    expect(() => createHttpClient({ serverUrl: 'http://h', token: 'a\nb' })).toThrow(/line break/);
  });
});
