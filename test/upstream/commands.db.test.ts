/**
 * Every group of the client, and a few commands of the built CLI, on an adopted upstream NoETL
 * schema: rows we write are the rows an upstream server reads (its columns, the envelope format,
 * the seeds' cache keys), and rows in upstream's shape (legacy plaintext credentials, transient
 * variables, catalog rows without content) read by us.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NoetlClient } from '../../src/api/index.js';
import { createLocalClient } from '../../src/backends/local/index.js';
import { migrate } from '../../src/backends/sql/migrate.js';
import type { Store } from '../../src/backends/sql/store.js';
import { classifyStored, type KeySet } from '../../src/core/envelope.js';
import { snowflakeParts } from '../../src/core/ids.js';
import { testBackend } from '../helpers/backend.js';
import { testKeys } from '../helpers/client.js';
import { runCli, testCliEnv } from '../helpers/cli.js';
import { fails } from '../helpers/errors.js';
import { UPSTREAM_INSERTS, upstreamDatabase, type UpstreamDatabase } from './fixture.js';

const EXEC = '518486534513754563';
const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.upstream-bearer.sig';
const PATH = 'flows/upstream_compat';
const PLAYBOOK = `apiVersion: noetl.io/v2
kind: Playbook
metadata:
  path: ${PATH}
workload:
  region: eu
workflow:
  - step: start
    tool:
      kind: http
      endpoint: "https://api.example.com/{{ workload.region }}"
      headers:
        Authorization: "Bearer {{ my_token }}"
`;

describe(`the client on an adopted upstream NoETL schema (${testBackend()})`, () => {
  let up: UpstreamDatabase;
  let store: Store;
  let client: NoetlClient;
  let keys: KeySet;
  let catalogId: string;

  beforeAll(async () => {
    up = await upstreamDatabase();
    await migrate(up.raw);
    store = up.raw;
    keys = testKeys();
    client = createLocalClient({ store, keys: async () => keys });
  }, 120_000);
  afterAll(async () => {
    await store?.close();
    await up?.close();
  });

  it('catalog: kind stored lower-case, ids from the snowflake layout, identical content no new version; an unknown kind refused', async () => {
    const entry = await client.catalog.register({ content: PLAYBOOK });
    catalogId = entry.catalog_id;
    expect(entry).toMatchObject({ path: PATH, version: 1, kind: 'playbook', unchanged: false });
    const parts = snowflakeParts(catalogId);
    expect(parts.shard).toBe(1);
    expect(parts.sequence).toBeGreaterThanOrEqual(1024);
    expect(Math.abs(parts.time.getTime() - Date.now())).toBeLessThan(600_000);
    expect(await client.catalog.register({ content: PLAYBOOK })).toMatchObject({ catalog_id: catalogId, unchanged: true });
    const { rows } = await store.query<{ kind: string; n: string }>('SELECT kind, COUNT(*)::text AS n FROM catalog WHERE path = $1 GROUP BY kind', [PATH]);
    expect(rows).toEqual([{ kind: 'playbook', n: '1' }]);

    const odd = await fails(client.catalog.register({ content: 'kind: Widget\nmetadata: {path: x/y}\n' }));
    expect(odd).toMatchObject({ code: 'invalid', reason: 'unknown-kind' });
    expect(odd.message).toContain("kind 'Widget' is not a resource kind of this upstream NoETL database (agent, credential, mcp, memory, playbook)");
  });

  it('catalog: rows upstream inserted (no id, no content) read back', async () => {
    const { rows } = await store.query<{ catalog_id: string }>(UPSTREAM_INSERTS.catalog, ['flows/from_upstream', 1, null, JSON.stringify({ kind: 'Playbook' })]);
    expect(snowflakeParts(rows[0].catalog_id)).toMatchObject({ shard: 1, sequence: expect.any(Number) });
    expect(snowflakeParts(rows[0].catalog_id).sequence).toBeLessThan(1024);
    expect(await client.catalog.show('flows/from_upstream')).toMatchObject({ catalog_id: rows[0].catalog_id, version: 1, kind: 'playbook', content: '' });
    expect((await client.catalog.list()).map((e) => e.path)).toEqual(['flows/from_upstream', PATH]);
  });

  it('credentials: ours are sealed envelopes upstream stores as they are; upstream legacy plaintext rows are read', async () => {
    const added = await client.credentials.add({ name: 'pg_prod', type: 'postgres', data: { db_host: 'h', db_password: 's3cret-pw' }, tags: ['prod'] });
    const { rows } = await store.query<{ id: string; data_encrypted: string; tags: string[] }>('SELECT id::text AS id, data_encrypted, tags FROM credential WHERE name = $1', ['pg_prod']);
    expect(rows[0]).toMatchObject({ id: added.id, tags: ['prod'] });
    expect(classifyStored(rows[0].data_encrypted).kind).toBe('envelope');
    expect(rows[0].data_encrypted).not.toContain('s3cret-pw');
    expect(snowflakeParts(added.id).shard).toBe(1);

    const legacy = await store.query<{ id: string }>(UPSTREAM_INSERTS.credential, ['legacy_pg', 'postgres', JSON.stringify({ db_password: 'plain-pw' }), ['old']]);
    const got = await client.credentials.get('legacy_pg', { reveal: true });
    expect(got).toMatchObject({ id: legacy.rows[0].id, type: 'postgres', tags: ['old'], data: { db_password: 'plain-pw' } });
    expect((await client.credentials.list()).map((c) => c.name)).toEqual(['legacy_pg', 'pg_prod']);
    expect(await client.credentials.remove('legacy_pg')).toMatchObject({ name: 'legacy_pg', deleted: true });
  });

  it("keychain: rows in upstream's columns with the seeds' cache keys; the catalog scope, which upstream's CHECK lacks, is refused and nothing written", async () => {
    const set = await client.keychain.set({ name: 'api', playbook: PATH, scope: 'global', data: { access_token: 'kc-tok' } });
    expect(set.cache_key).toBe(`api:${catalogId}:global`);
    const local = await client.keychain.set({ name: 'api', playbook: PATH, scope: 'local', execution_id: EXEC, data: { access_token: 'kc-local' } });
    expect(local.cache_key).toBe(`api:${catalogId}:${EXEC}`);
    const { rows } = await store.query<{ cache_key: string; scope_type: string; catalog_id: string; execution_id: string | null; data_encrypted: string }>(
      'SELECT cache_key, scope_type, catalog_id::text AS catalog_id, execution_id::text AS execution_id, data_encrypted FROM keychain ORDER BY cache_key',
    );
    expect(rows.map((r) => [r.cache_key, r.scope_type, r.catalog_id, r.execution_id])).toEqual([
      [`api:${catalogId}:${EXEC}`, 'local', catalogId, EXEC],
      [`api:${catalogId}:global`, 'global', catalogId, null],
    ]);
    for (const r of rows) expect(classifyStored(r.data_encrypted).kind).toBe('envelope');
    expect(await client.keychain.get('api', { playbook: PATH }, { reveal: true })).toMatchObject({ status: 'success', token_data: { access_token: 'kc-tok' } });

    const refused = await fails(client.keychain.set({ name: 'cat', playbook: PATH, scope: 'catalog', data: { k: 'v' } }));
    expect(refused).toMatchObject({ code: 'invalid', reason: 'scope-not-in-layout' });
    expect(refused.message).toContain("upstream NoETL layout) has no 'catalog' scope");
    expect((await client.keychain.list()).map((e) => e.cache_key)).not.toContain(`cat:${catalogId}:catalog`);

    // An entry an upstream server wrote (plaintext, as its Python server did) reads back.
    await store.query(
      `INSERT INTO keychain (cache_key, keychain_name, catalog_id, credential_type, cache_type, scope_type, data_encrypted, expires_at)
       VALUES ($1, 'legacy', $2, 'oauth2', 'token', 'global', '{"access_token": "up-tok"}', now() + interval '1 hour')`,
      [`legacy:${catalogId}:global`, catalogId],
    );
    expect(await client.keychain.get('legacy', { playbook: PATH }, { reveal: true })).toMatchObject({ status: 'success', token_data: { access_token: 'up-tok' } });
    expect((await client.keychain.remove(['legacy'], { playbook: PATH }))[0]).toMatchObject({ status: 'success', cache_key: `legacy:${catalogId}:global` });
  });

  it("vars: kept in upstream's transient; a bearer token is var_type 'computed' (its value the plain token) plus a mark, and round-trips as bearer_token", async () => {
    const set = await client.vars.set({ execution_id: EXEC, name: 'my_token', value: TOKEN, type: 'bearer_token', source_step: 'login' });
    expect(set).toMatchObject({ type: 'bearer_token', source_step: 'login' });
    expect(JSON.stringify(set)).not.toContain(TOKEN);
    const row = await store.query<{ var_type: string; var_value: unknown; scope: string; source_step: string }>(
      'SELECT var_type, var_value, scope, source_step FROM transient WHERE execution_id = $1 AND var_name = $2',
      [EXEC, 'my_token'],
    );
    expect(row.rows).toEqual([{ var_type: 'computed', var_value: TOKEN, scope: 'execution', source_step: 'login' }]);
    expect((await store.query('SELECT 1 FROM transient_bearer WHERE execution_id = $1 AND var_name = $2', [EXEC, 'my_token'])).rowCount).toBe(1);
    expect(await client.vars.get(EXEC, 'my_token', { reveal: true })).toMatchObject({ type: 'bearer_token', value: TOKEN });
    expect((await client.vars.list(EXEC, { type: 'bearer_token' })).map((v) => v.name)).toEqual(['my_token']);

    // Rows upstream's workers wrote, incl. a type noetl never writes.
    await store.query(UPSTREAM_INSERTS.transient, [EXEC, 'fetch', 'step_result', '{"rows": [1, 2], "id": 9007199254740993}', 'fetch']);
    await store.query(UPSTREAM_INSERTS.transient, [EXEC, 'loop_state', 'iterator_state', JSON.stringify({ index: 3 }), 'loop']);
    const all = await client.vars.list(EXEC, { reveal: true });
    expect(Object.fromEntries(all.map((v) => [v.name, [v.type, v.value]]))).toEqual({
      my_token: ['bearer_token', TOKEN],
      fetch: ['step_result', { rows: [1, 2], id: '9007199254740993' }],
      loop_state: ['iterator_state', { index: 3 }],
    });
    const stats = await client.vars.stats();
    expect(stats).toMatchObject({ total_variables: 3, total_executions: 1, recent_bearer_tokens: [{ execution_id: EXEC, name: 'my_token' }] });
    expect(stats.by_type.map((t) => t.type)).toEqual(['bearer_token', 'iterator_state', 'step_result']);

    // Replaced by a plain value: the mark goes, upstream sees what it always would.
    await client.vars.set({ execution_id: EXEC, name: 'my_token', value: 'now-computed' });
    expect(await client.vars.get(EXEC, 'my_token', { reveal: true })).toMatchObject({ type: 'computed', value: 'now-computed' });
    expect((await store.query('SELECT 1 FROM transient_bearer')).rowCount).toBe(0);
    await client.vars.set({ execution_id: EXEC, name: 'my_token', value: TOKEN, type: 'bearer_token' });
  });

  it('render: templates see transient variables and keychain entries; secrets masked unless revealed', async () => {
    const masked = await client.templates.render({ content: PLAYBOOK, execution_id: EXEC });
    const header = (r: typeof masked) => r.steps[0].templates.find((t) => t.field.endsWith('Authorization'))!.rendered;
    expect(masked.catalog_id).toBe(catalogId);
    expect(header(masked)).not.toContain(TOKEN);
    expect(header(await client.templates.render({ content: PLAYBOOK, execution_id: EXEC, reveal: true }))).toBe(`Bearer ${TOKEN}`);
  });

  it("cache: noetl's credential cache (added on adoption) with the seeds' keys", async () => {
    await client.credentials.add({ name: 'svc', type: 'api_key', data: { api_key: 'k-123' } });
    const fetched = await client.cache.fetchCredential({ credential_name: 'svc', execution_id: EXEC, reveal: true });
    expect(fetched).toMatchObject({ cache_key: `svc:${EXEC}`, hit: false, data: { api_key: 'k-123' } });
    expect(await client.cache.fetchCredential({ credential_name: 'svc', execution_id: EXEC })).toMatchObject({ hit: true });
    const token = await client.cache.storeToken({ credential_name: 'svc', token_data: { access_token: 't' }, token_type: 'oauth2' });
    expect(token.cache_key).toBe('svc:global:oauth2');
    expect((await client.cache.list()).map((e) => e.cache_key).sort()).toEqual([`svc:${EXEC}`, 'svc:global:oauth2']);
    expect(await client.cache.cleanup(EXEC)).toMatchObject({ removed: 1 });
  });

  // Upstream layouts live on PostgreSQL servers: the CLI runs against one there (each embedded run would start its own PGlite).
  it.skipIf(testBackend() === 'embedded')('vars rm removes the rows and their marks; the built CLI reads and writes the same schema', { timeout: 120_000 }, async () => {
    expect(await client.vars.remove(EXEC, 'fetch')).toMatchObject({ removed: 1 });
    const env = { ...(await testCliEnv()), ...up.env, NOETL_ENCRYPTION_KEY: keys.current.key.toString('base64') };
    const show = await runCli(['vars', 'show', EXEC, '-o', 'json'], { env });
    expect(show.code, show.stderr).toBe(0);
    expect(JSON.parse(show.stdout).map((v: { name: string; type: string }) => [v.name, v.type])).toEqual([
      ['my_token', 'bearer_token'],
      ['loop_state', 'iterator_state'],
    ]);
    const rm = await runCli(['vars', 'rm', EXEC, '--yes'], { env });
    expect(rm.code, rm.stderr).toBe(0);
    const set = await runCli(['vars', 'set', EXEC, 'region', '--value', 'eu', '--raw'], { env });
    expect(set.code, set.stderr).toBe(0);
    const cat = await runCli(['keychain', 'set', 'x', '--playbook', PATH, '--scope', 'catalog', '--data', '-'], { env, input: '{"k": "v"}' });
    expect(cat.code).toBe(2);
    expect(cat.stderr).toContain("has no 'catalog' scope");

    const { rows } = await store.query<{ var_name: string; var_type: string; var_value: unknown }>('SELECT var_name, var_type, var_value FROM transient');
    expect(rows).toEqual([{ var_name: 'region', var_type: 'user_defined', var_value: 'eu' }]);
    expect((await store.query('SELECT 1 FROM transient_bearer')).rowCount).toBe(0);
  });
});
