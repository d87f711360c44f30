import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCleanup } from '../../src/cli/cache/cleanup.js';
import { runLs } from '../../src/cli/cache/ls.js';
import { runPurge } from '../../src/cli/cache/purge.js';
import { runStats } from '../../src/cli/cache/stats.js';
import type { KeySet } from '../../src/core/envelope.js';
import { fetchCredentialWithCache, listCacheEntries, storeTokenInCache } from '../../src/backends/local/cache.js';
import type { NoetlClient } from '../../src/api/index.js';
import type { Store } from '../../src/backends/sql/store.js';
import { testClient, type TestClient } from '../helpers/client.js';
import { fails } from '../helpers/errors.js';
import { memIO } from '../helpers/memio.js';
import { fakeClock } from '../helpers/store.js';

const PARENT = '507431238966182300';
const EXEC = '507431238966182398';
const keys: KeySet = { current: { provider: 'local', kid: 'env:NOETL_ENCRYPTION_KEY', kv: 'v1', key: randomBytes(32) }, previous: [] };
const load = async (name: string) => ({ type: 'httpBearerAuth', data: { api_key: `sk-${name}-0123456789abcdef` } });

describe('cache commands (run functions)', () => {
  let t: TestClient;
  let store: Store;
  let client: NoetlClient;
  const clock = fakeClock(new Date('2026-03-01T10:00:00Z'));
  const info: string[] = [];
  beforeEach(async () => {
    clock.set(new Date('2026-03-01T10:00:00Z'));
    info.length = 0;
    t = await testClient({ clock, keys });
    ({ store, client } = t);
    await fetchCredentialWithCache(store, keys, { credentialName: 'openai', executionId: PARENT }, load);
    await fetchCredentialWithCache(store, keys, { credentialName: 'openai', executionId: EXEC, parentExecutionId: PARENT, cacheTtl: 60 }, load);
    await fetchCredentialWithCache(store, keys, { credentialName: 'openai', executionId: EXEC }, load);
    await storeTokenInCache(store, keys, { credentialName: 'amadeus', tokenData: { access_token: 'tok', expires_in: 1799 }, tokenType: 'oauth' });
    await fetchCredentialWithCache(store, keys, { credentialName: 'pg', executionId: '42' }, load);
  });
  afterEach(async () => t.close());

  it('ls lists entries without their data; ids exact in JSON and YAML', async () => {
    const m = memIO();
    await runLs({ expired: false, output: 'table' }, { io: m.io, client, now: clock() });
    const lines = m.stdout().trim().split('\n');
    expect(lines[0]).toBe('KEY\tCREDENTIAL\tTYPE\tSCOPE\tEXECUTION\tPARENT\tEXPIRES\tACCESSES');
    expect(lines).toContain(`openai:${EXEC}\topenai\tsecret\texecution\t${EXEC}\t${PARENT}\tin 1m\t1`);
    expect(lines).toContain('amadeus:global:oauth\tamadeus\ttoken\tglobal\t-\t-\tin 29m\t0');
    expect(m.stdout()).not.toContain('sk-');
    const j = memIO();
    await runLs({ scope: 'execution', execution: PARENT, expired: false, output: 'json' }, { io: j.io, client, now: clock() });
    expect(j.stdout()).toContain(`"parent_execution_id": "${PARENT}"`);
    expect(JSON.parse(j.stdout()).map((e: { cache_key: string }) => e.cache_key).sort()).toEqual([`openai:${PARENT}`, `openai:${EXEC}`]);
    const g = memIO();
    await runLs({ scope: 'global', expired: false, output: 'json' }, { io: g.io, client, now: clock() });
    expect(JSON.parse(g.stdout())).toHaveLength(1);
    const y = memIO();
    await runLs({ execution: PARENT, expired: false, output: 'yaml' }, { io: y.io, client, now: clock() });
    expect(y.stdout()).toContain(`execution_id: "${EXEC}"`);
    expect(y.stdout()).toContain(`parent_execution_id: "${PARENT}"`);
  });

  it('ls --expired, then purge --expired removes exactly those', async () => {
    clock.advance(61_000);
    const m = memIO();
    await runLs({ expired: true, output: 'table' }, { io: m.io, client, now: clock() });
    expect(m.stdout()).toContain(`openai:${EXEC}`);
    expect(m.stdout()).toContain('expired 1s ago');
    expect(m.stdout().trim().split('\n')).toHaveLength(2);
    const p = memIO();
    await runPurge({ expired: true, yes: true, output: 'json' }, { io: p.io, client, info: (s) => info.push(s) });
    expect(JSON.parse(p.stdout())).toEqual({ removed: 1 });
    expect(info).toEqual(['purged 1 expired cache entry']);
    expect((await listCacheEntries(store)).map((e) => e.cacheKey)).not.toContain(`openai:${EXEC}`);
  });

  it('purge without --expired is a usage error and removes nothing', async () => {
    const m = memIO();
    clock.advance(61_000);
    expect((await fails(runPurge({ expired: false, yes: true, output: 'table' }, { io: m.io, client, info: () => {} }))).code).toBe('invalid');
    expect(await listCacheEntries(store)).toHaveLength(4);
  });

  it('cleanup --execution removes the execution and its children only', async () => {
    const m = memIO();
    await runCleanup({ execution: PARENT, yes: true, output: 'table' }, { io: m.io, client, info: (s) => info.push(s) });
    expect(m.stdout()).toBe('');
    expect(info).toEqual([`removed 2 cache entries of execution ${PARENT} and its children`]);
    expect((await listCacheEntries(store)).map((e) => e.cacheKey).sort()).toEqual(['amadeus:global:oauth', 'pg:42']);
    expect((await fails(runCleanup({ execution: 'abc', yes: true, output: 'table' }, { io: m.io, client, info: () => {} }))).code).toBe('invalid');
    expect((await fails(runLs({ execution: '1e5', expired: false, output: 'table' }, { io: m.io, client, now: clock() }))).code).toBe('invalid');
  });

  it('purge and cleanup are destructive: --yes off a TTY (exit 2), a no on a TTY is exit 1, both removing nothing', async () => {
    clock.advance(61_000);
    const piped = memIO();
    expect((await fails(runPurge({ expired: true, yes: false, output: 'table' }, { io: piped.io, client, info: () => {} }))).code).toBe('invalid');
    expect((await fails(runCleanup({ execution: PARENT, yes: false, output: 'table' }, { io: piped.io, client, info: () => {} }))).code).toBe('invalid');
    const tty = memIO({ tty: true });
    const asked: string[] = [];
    const no = async (q: string) => (asked.push(q), false);
    expect(await fails(runPurge({ expired: true, yes: false, output: 'table' }, { io: tty.io, client, info: () => {}, confirm: no }))).toMatchObject({ code: 'unavailable', message: 'no cache entry deleted: not confirmed' });
    expect((await fails(runCleanup({ execution: PARENT, yes: false, output: 'table' }, { io: tty.io, client, info: () => {}, confirm: no }))).code).toBe('unavailable');
    expect(asked).toEqual(['Delete every expired cache entry?', `Delete the cache entries of execution ${PARENT} and of its child executions?`]);
    expect(await listCacheEntries(store)).toHaveLength(4);
    await runPurge({ expired: true, yes: false, output: 'table' }, { io: tty.io, client, info: () => {}, confirm: async () => true });
    expect(await listCacheEntries(store)).toHaveLength(3);
  });

  it('stats reports the three monitoring queries', async () => {
    clock.advance(61_000);
    const m = memIO();
    await runStats({ output: 'json' }, { io: m.io, client });
    const report = JSON.parse(m.stdout());
    expect(report.by_credential[0]).toEqual({ credential_name: 'openai', cache_type: 'secret', scope_type: 'execution', entries: 2, total_accesses: 1, avg_accesses: 0.5 });
    expect(report.expired_entries).toBe(1);
    expect(report.executions).toContainEqual({ execution_id: EXEC, parent_execution_id: PARENT, cached_credentials: 1 });
    expect(report.executions).toContainEqual({ execution_id: '42', parent_execution_id: null, cached_credentials: 1 });
    const t = memIO();
    await runStats({ output: 'table' }, { io: t.io, client });
    expect(t.stdout()).toContain('openai\tsecret\texecution\t2\t1\t0.5');
    expect(t.stdout()).toContain('expired entries awaiting cleanup: 1');
    expect(t.stdout()).toContain(`${EXEC}\t${PARENT}\t1`);
  });

  it('-o json of every cache command is the wire type: snake_case keys only', async () => {
    const snake = (value: unknown): string[] =>
      value !== null && typeof value === 'object'
        ? Object.entries(value).flatMap(([k, v]) => [...(Array.isArray(value) ? [] : [k]), ...snake(v)])
        : [];
    const ls = memIO();
    await runLs({ expired: false, output: 'json' }, { io: ls.io, client, now: clock() });
    const entries = JSON.parse(ls.stdout());
    expect(Object.keys(entries[0]).sort()).toEqual([
      'access_count', 'accessed_at', 'cache_key', 'cache_type', 'created_at', 'credential_name', 'credential_type',
      'execution_id', 'expired', 'expires_at', 'parent_execution_id', 'scope_type',
    ]);
    const stats = memIO();
    await runStats({ output: 'json' }, { io: stats.io, client });
    const cleanup = memIO();
    await runCleanup({ execution: PARENT, yes: true, output: 'json' }, { io: cleanup.io, client, info: () => {} });
    expect(JSON.parse(cleanup.stdout())).toEqual({ execution_id: PARENT, removed: 2 });
    const purge = memIO();
    await runPurge({ expired: true, yes: true, output: 'json' }, { io: purge.io, client, info: () => {} });
    expect(JSON.parse(purge.stdout())).toEqual({ removed: 0 });
    for (const out of [ls, stats, cleanup, purge]) {
      for (const key of snake(JSON.parse(out.stdout()))) expect(key).toMatch(/^[a-z0-9_]+$/);
    }
  });
});
