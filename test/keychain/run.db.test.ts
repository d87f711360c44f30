import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runGet } from '../../src/cli/keychain/get.js';
import { runLs } from '../../src/cli/keychain/ls.js';
import { runRenew } from '../../src/cli/keychain/renew.js';
import { runResolve } from '../../src/cli/keychain/resolve.js';
import { runRm } from '../../src/cli/keychain/rm.js';
import { runSet } from '../../src/cli/keychain/set.js';
import { runStats } from '../../src/cli/keychain/stats.js';
import type { NoetlClient } from '../../src/api/index.js';
import type { Store } from '../../src/backends/sql/store.js';
import { memIO } from '../helpers/memio.js';
import type { fakeClock } from '../helpers/store.js';
import { keychainTestbed, PLAYBOOK } from './fixtures.js';

const PB = 'integrations/travel_booking';
const base = { playbook: PB, scope: 'global', reveal: false, renew: true, output: 'table' as const };

describe('keychain run functions', () => {
  let store: Store;
  let client: NoetlClient;
  let clock: ReturnType<typeof fakeClock>;
  beforeEach(async () => {
    ({ clock, store, client } = await keychainTestbed());
  });
  afterEach(async () => {
    await store.close();
  });

  it('sets from YAML on stdin and gets it masked, then expired (5) and missing (3)', async () => {
    const set = memIO({ stdin: 'access_token: yaml-token-value-1234567\ntoken_type: Bearer\n' });
    const infos: string[] = [];
    await runSet({ ...base, name: 'tok', data: '-', ttl: '10m', autoRenew: false }, { io: set.io, client, info: (m) => infos.push(m) });
    expect(infos[0]).toMatch(/^stored keychain entry 'tok' \(tok:\d+:global\), expires 2026-01-01T00:10:00.000Z$/);

    const get = memIO();
    expect(await runGet({ ...base, name: 'tok' }, { io: get.io, client, now: () => store.now(), warn: () => undefined })).toBe(0);
    expect(get.stdout()).toMatch(/^data\.access_token\t\*{4}#[0-9a-f]{8}$/m);
    expect(get.stdout()).toContain('expires\tin 10m (2026-01-01T00:10:00.000Z)');
    expect(get.stdout()).not.toContain('yaml-token-value');

    clock.advance(3 * 3600_000);
    const expired = memIO();
    expect(await runGet({ ...base, name: 'tok' }, { io: expired.io, client, now: () => store.now(), warn: () => undefined })).toBe(5);
    expect(expired.stdout()).toBe('');
    expect(expired.stderr()).toBe("error: KEYCHAIN: Entry 'tok' expired 2h ago: set it again or enable auto-renew\n");

    const missing = memIO();
    expect(await runGet({ ...base, name: 'nope', output: 'json' }, { io: missing.io, client, now: () => store.now(), warn: () => undefined })).toBe(3);
    expect(JSON.parse(missing.stdout())).toMatchObject({ status: 'not_found', keychain_name: 'nope' });
  });

  it('lists as a table on a TTY, counts, and deletes after confirmation on a TTY', async () => {
    await runSet({ ...base, name: 'a', data: '-', autoRenew: false }, { io: memIO({ stdin: '{"k": 1}' }).io, client, info: () => undefined });
    const ls = memIO({ tty: true });
    await runLs({ playbook: PB, expired: false, output: 'table' }, { io: ls.io, client, now: () => store.now() });
    expect(ls.stdout()).toMatch(/NAME\s+SCOPE\s+CACHE KEY\s+TYPE\s+STATUS\s+EXPIRES\s+AUTO-RENEW\s+ACCESSES/);
    expect(ls.stdout()).toMatch(/a\s+global\s+a:\d+:global\s+static\s+valid\s+in 1d\s+no\s+0/);

    const stats = memIO();
    await runStats({ output: 'json' }, { io: stats.io, client });
    expect(JSON.parse(stats.stdout())).toMatchObject({ total: 1, expired: 0 });

    // Declining is exit 1 in every noun (CONTRIBUTING.md, "Conventions").
    const declined = memIO({ tty: true, stdin: 'n\n' });
    const infos: string[] = [];
    await expect(runRm({ ...base, names: ['a'], expired: false, includeAutoRenew: false, yes: false }, { io: declined.io, client, info: (m) => infos.push(m) })).rejects.toMatchObject({
      code: 'unavailable',
      message: 'no keychain entry deleted: not confirmed',
    });
    expect(infos).toEqual([]);
    const confirmed = memIO({ tty: true, stdin: 'y\n' });
    expect(await runRm({ ...base, names: ['a'], expired: false, includeAutoRenew: false, yes: false }, { io: confirmed.io, client, info: (m) => infos.push(m) })).toBe(0);
    expect(infos[0]).toMatch(/^deleted 'a'/);
  });
});

describe('keychain -o json prints the wire types', () => {
  let store: Store;
  let client: NoetlClient;
  beforeEach(async () => {
    ({ store, client } = await keychainTestbed());
  });
  afterEach(async () => {
    await store.close();
  });

  /** Every key of a JSON value, recursively, except inside the opaque maps. */
  const keysOf = (value: unknown, into: string[] = []): string[] => {
    if (Array.isArray(value)) for (const v of value) keysOf(v, into);
    else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        into.push(k);
        if (!['token_data', 'renew_config', 'by_scope'].includes(k)) keysOf(v, into);
      }
    }
    return into;
  };
  const snake = (text: string) => {
    const keys = keysOf(JSON.parse(text));
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.filter((k) => !/^[a-z0-9_]+$/.test(k))).toEqual([]);
  };
  const json = { ...base, output: 'json' as const };
  const quiet = { info: () => undefined, warn: () => undefined, now: () => store.now() };

  it('set, get, ls, stats, renew, rm', async () => {
    const set = memIO({ stdin: '{"access_token": "abc-123-secret-value"}' });
    await runSet({ ...json, name: 'tok', data: '-', autoRenew: false }, { io: set.io, client, ...quiet });
    snake(set.stdout());
    expect(JSON.parse(set.stdout())).not.toHaveProperty('warnings');

    const get = memIO();
    expect(await runGet({ ...json, name: 'tok' }, { io: get.io, client, ...quiet })).toBe(0);
    snake(get.stdout());
    expect(get.stdout()).not.toContain('abc-123-secret-value');
    expect(JSON.parse(get.stdout())).toMatchObject({ status: 'success', keychain_name: 'tok', access_count: 1 });

    const ls = memIO();
    await runLs({ playbook: PB, expired: false, output: 'json' }, { io: ls.io, client, now: () => store.now() });
    snake(ls.stdout());

    const stats = memIO();
    await runStats({ output: 'json' }, { io: stats.io, client });
    snake(stats.stdout());

    const renew = memIO();
    expect(await runRenew({ ...json, names: ['tok', 'gone'] }, { io: renew.io, client, ...quiet })).toBe(1);
    snake(renew.stdout());
    expect(JSON.parse(renew.stdout())).toMatchObject([{ status: 'failed', code: 'unavailable' }, { status: 'not_found', code: 'not_found' }]);

    const rm = memIO();
    expect(await runRm({ ...json, names: ['tok'], expired: false, includeAutoRenew: false, yes: true }, { io: rm.io, client, info: () => undefined })).toBe(0);
    snake(rm.stdout());
  });

  it('resolve: the plan as the wire type, never the values', async () => {
    const playbook = `${PLAYBOOK}keychain:\n  - name: keys\n    kind: static\n    map:\n      api_key: sk-live-do-not-print-0123\n`;
    await client.templates.resolveKeychain({ content: playbook, playbook: PB, execution_id: '518508477736551392' });
    const out = memIO({ stdin: playbook });
    const code = await runResolve({ file: '-', executionId: '518508477736551392', playbook: PB, dryRun: false, output: 'json' }, { io: out.io, client, ...quiet });
    expect(code).toBe(0);
    snake(out.stdout());
    expect(JSON.parse(out.stdout())).toMatchObject({ execution_id: '518508477736551392', entries: [{ name: 'keys', status: 'cached' }] });
    expect(out.stdout()).not.toContain('sk-live');
    expect(JSON.parse(out.stdout())).not.toHaveProperty('keychain');
  });
});
