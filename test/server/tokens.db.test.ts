// Service tokens: the tokens group of the local client, the token authority of the server,
// and `noetl token create|ls|rm` through their run functions, on this run's backend.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localTokenAuthority } from '../../src/backends/local/tokens.js';
import { runTokenCreate } from '../../src/cli/token/create.js';
import { runTokenLs } from '../../src/cli/token/ls.js';
import { runTokenRm } from '../../src/cli/token/rm.js';
import { fails } from '../helpers/errors.js';
import { testClient, type TestClient } from '../helpers/client.js';
import { memIO } from '../helpers/memio.js';
import { fakeClock } from '../helpers/store.js';

const clock = fakeClock(new Date('2026-06-01T00:00:00Z'));
let t: TestClient;

beforeAll(async () => {
  t = await testClient({ clock });
});

afterAll(async () => {
  await t?.close();
});

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('tokens group', () => {
  it('creates a token shown once, stored only as its SHA-256', async () => {
    const created = await t.client.tokens.create({ name: 'ci-reader', role: 'reader', ttl_seconds: 90 * 86400 });
    expect(created).toEqual({ name: 'ci-reader', role: 'reader', token: expect.stringMatching(/^noetl_[A-Za-z0-9_-]{43}$/), expires_at: '2026-08-30T00:00:00.000Z' });
    const { rows } = await t.store.query<Record<string, unknown>>("SELECT * FROM service_token WHERE name = 'ci-reader'");
    expect(rows[0].token_sha256).toBe(sha256(created.token));
    expect(JSON.stringify(rows)).not.toContain(created.token.slice(6));
    const listed = await t.client.tokens.list();
    expect(listed.find((x) => x.name === 'ci-reader')).toEqual({
      name: 'ci-reader',
      role: 'reader',
      created_at: '2026-06-01T00:00:00.000Z',
      expires_at: '2026-08-30T00:00:00.000Z',
      last_used_at: null,
      expired: false,
    });
    expect(JSON.stringify(listed)).not.toContain(created.token.slice(6));
  });

  it('two tokens are never the same; a token that never expires has expires_at null', async () => {
    const a = await t.client.tokens.create({ name: 'forever-a', role: 'admin', ttl_seconds: null });
    const b = await t.client.tokens.create({ name: 'forever-b', role: 'admin', ttl_seconds: null });
    expect(a.token).not.toBe(b.token);
    expect(a.expires_at).toBeNull();
  });

  it('refuses a taken name (conflict), a bad name, role or TTL (invalid), and removing an unknown one (not_found)', async () => {
    await t.client.tokens.create({ name: 'taken', role: 'writer', ttl_seconds: 60 });
    const conflict = await fails(t.client.tokens.create({ name: 'taken', role: 'admin', ttl_seconds: 60 }));
    expect(conflict.code).toBe('conflict');
    expect((await t.client.tokens.list()).find((x) => x.name === 'taken')?.role).toBe('writer');
    expect((await fails(t.client.tokens.create({ name: '-rf', role: 'reader', ttl_seconds: 60 }))).code).toBe('invalid');
    expect((await fails(t.client.tokens.create({ name: 'ok', role: 'root' as never, ttl_seconds: 60 }))).code).toBe('invalid');
    expect((await fails(t.client.tokens.create({ name: 'ok', role: 'reader', ttl_seconds: 0 }))).code).toBe('invalid');
    expect((await fails(t.client.tokens.create({ name: 'ok', role: 'reader', ttl_seconds: 1.5 }))).code).toBe('invalid');
    expect((await fails(t.client.tokens.remove('nope'))).code).toBe('not_found');
    expect((await t.client.tokens.list()).some((x) => x.name === 'ok')).toBe(false);
  });

  it('the server authority accepts a live token, not an expired, removed or unknown one, and notes its use', async () => {
    const authority = localTokenAuthority({ store: t.store });
    const { token } = await t.client.tokens.create({ name: 'worker', role: 'revealer', ttl_seconds: 3600 });
    expect(await authority.authenticate(token)).toEqual({ name: 'worker', role: 'revealer' });
    expect((await t.client.tokens.list()).find((x) => x.name === 'worker')?.last_used_at).toBe(clock().toISOString());
    expect(await authority.authenticate(token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A'))).toBeUndefined();
    expect(await authority.authenticate('')).toBeUndefined();
    expect(await authority.authenticate(`${token} `)).toBeUndefined();
    clock.advance(3601_000);
    expect(await authority.authenticate(token)).toBeUndefined();
    expect((await t.client.tokens.list()).find((x) => x.name === 'worker')?.expired).toBe(true);
    const { token: second } = await t.client.tokens.create({ name: 'worker2', role: 'reader', ttl_seconds: 3600 });
    await t.client.tokens.remove('worker2');
    expect(await authority.authenticate(second)).toBeUndefined();
  });

  it('audits creation and removal (who, what, from where), never the token', async () => {
    const { token } = await t.client.tokens.create({ name: 'audited', role: 'reader', ttl_seconds: 60 });
    await t.client.tokens.remove('audited');
    const rows = (await t.client.tokens.audit({ limit: 2 })).reverse();
    expect(rows.map((r) => [r.action, r.target, r.source, r.outcome])).toEqual([
      ['token.create', 'audited', 'cli', 'ok'],
      ['token.remove', 'audited', 'cli', 'ok'],
    ]);
    expect(rows[0].actor).toMatch(/^local/);
    expect(rows[0].id).toMatch(/^\d+$/);
    expect(JSON.stringify(rows)).not.toContain(token.slice(6));
  });
});

describe('noetl token create|ls|rm', () => {
  const deps = (io: ReturnType<typeof memIO>['io'], info: string[] = []) => ({ io, client: t.client, info: (m: string) => info.push(m), now: () => clock() });

  it('create prints the token alone on stdout in a table run, what to do with it on stderr', async () => {
    const m = memIO();
    const info: string[] = [];
    await runTokenCreate({ name: 'cli-plain', role: 'writer', ttlSeconds: 86400, output: 'table' }, deps(m.io, info));
    expect(m.stdout()).toMatch(/^noetl_[A-Za-z0-9_-]{43}\n$/);
    expect(info.join('\n')).toMatch(/created token 'cli-plain' \(writer, expires .*\): it is shown only this once/);
    expect(info.join('\n')).not.toContain(m.stdout().trim());
  });

  it('create -o json prints {name, role, token, expires_at}', async () => {
    const m = memIO();
    await runTokenCreate({ name: 'cli-json', role: 'admin', ttlSeconds: null, output: 'json' }, deps(m.io));
    const printed = JSON.parse(m.stdout());
    expect(Object.keys(printed)).toEqual(['name', 'role', 'token', 'expires_at']);
    expect(printed).toMatchObject({ name: 'cli-json', role: 'admin', expires_at: null });
  });

  it('ls -o json prints the tokens without any token; the table shows expiry and last use', async () => {
    const json = memIO();
    await runTokenLs({ output: 'json' }, deps(json.io));
    const listed = JSON.parse(json.stdout());
    expect(listed.map((x: { name: string }) => x.name)).toContain('cli-json');
    expect(json.stdout()).not.toMatch(/noetl_[A-Za-z0-9_-]{43}/);
    const table = memIO();
    await runTokenLs({ output: 'table' }, deps(table.io));
    expect(table.stdout().split('\n')[0]).toBe('NAME\tROLE\tEXPIRES\tLAST USED\tCREATED');
    expect(table.stdout()).toMatch(/\ncli-json\tadmin\tnever\tnever\t/);
  });

  it('rm needs --yes off a terminal, reports not found before asking, keeps the token when declined', async () => {
    await t.client.tokens.create({ name: 'to-remove', role: 'reader', ttl_seconds: 60 });
    const off = memIO();
    expect((await fails(runTokenRm({ name: 'to-remove', yes: false, output: 'table' }, deps(off.io)))).code).toBe('invalid');
    const tty = memIO({ tty: true });
    let asked = 0;
    const missing = await fails(runTokenRm({ name: 'absent', yes: false, output: 'table' }, { ...deps(tty.io), confirm: async () => (asked++, true) }));
    expect(missing.code).toBe('not_found');
    expect(asked).toBe(0);
    const declined = await fails(runTokenRm({ name: 'to-remove', yes: false, output: 'table' }, { ...deps(tty.io), confirm: async () => false }));
    expect(declined.message).toBe("token 'to-remove' not removed: not confirmed");
    expect((await t.client.tokens.list()).some((x) => x.name === 'to-remove')).toBe(true);
    const json = memIO();
    await runTokenRm({ name: 'to-remove', yes: true, output: 'json' }, deps(json.io));
    expect(JSON.parse(json.stdout())).toEqual({ name: 'to-remove', deleted: true });
    expect((await t.client.tokens.list()).some((x) => x.name === 'to-remove')).toBe(false);
  });
});
