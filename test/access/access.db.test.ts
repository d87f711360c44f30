import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NoetlClient } from '../../src/api/index.js';
import * as sql from '../../src/backends/sql/auth.js';
import { NoetlError } from '../../src/core/errors.js';
import { testClient, type TestClient } from '../helpers/client.js';
import { loginUser } from './users.js';

async function codeOf(work: Promise<unknown>): Promise<string> {
  const err = await work.then(() => undefined, (e: unknown) => e);
  if (!(err instanceof NoetlError)) throw new Error(`expected a NoetlError, got ${String(err)}`);
  return err.code;
}

// One store for the file (opening one costs seconds): each test has users of its own.
describe('client.access over a database', () => {
  let t: TestClient;
  let access: NonNullable<NoetlClient['access']>;
  beforeAll(async () => {
    t = await testClient();
    access = t.client.access!;
  });
  afterAll(() => t.close());

  it('lists the seeded roles, and users with the roles their first login gave them', async () => {
    const roles = await access.roles();
    expect(roles.map((r) => r.role_name)).toEqual(['admin', 'developer', 'analyst', 'viewer']);
    const id = await loginUser(t.store, 'ada@example.com');
    expect(typeof id).toBe('string');
    const [ada] = await access.users();
    expect(ada).toMatchObject({ user_id: id, email: 'ada@example.com', roles: ['viewer'], is_active: true });
    expect(await access.user('ADA@example.com')).toEqual(ada);
    expect(await access.user(id)).toEqual(ada);
    expect((await access.roles()).find((r) => r.role_name === 'viewer')?.user_count).toBe(1);
    expect(await codeOf(access.user('nobody@example.com'))).toBe('not_found');
    expect(await codeOf(access.user('nobody'))).toBe('invalid');
  });

  it('a user without execute on api_integration/* is refused; a grant allows it; its deny pattern vetoes its own row', async () => {
    await loginUser(t.store, 'bob@example.com');
    const check = (path: string, type: 'execute' | 'view' | 'modify' | 'edit' = 'execute') => access.check({ user: 'bob@example.com', playbook_path: path, permission_type: type });
    expect(await check('api_integration/amadeus_ai_api')).toMatchObject({ allowed: false, permission_type: 'execute' });
    expect((await check('api_integration/amadeus_ai_api', 'view')).allowed).toBe(true);

    await access.addUserRole('bob@example.com', 'analyst');
    const granted = await access.grant({ role: 'analyst', pattern: 'api_integration/*', execute: true, view: true, deny: 'api_integration/internal_*' });
    expect(granted.created).toBe(true);
    expect(granted.permission).toMatchObject({ role_name: 'analyst', playbook_path: 'api_integration/*', can_execute: true, can_view: true, can_modify: false, allow_pattern: 'api\\_integration/%', deny_pattern: 'api\\_integration/internal\\_%' });
    expect((await check('api_integration/amadeus_ai_api')).allowed).toBe(true);
    expect((await check('api_integration/internal_billing')).allowed).toBe(false);
    // `_` is literal: api_integrationX/… is not under api_integration/*.
    expect((await check('api_integrationx/amadeus')).allowed).toBe(false);
    expect((await check('api_integration/amadeus_ai_api', 'edit'))).toMatchObject({ allowed: false, permission_type: 'modify' });

    // Granting the same pattern again writes the row whole.
    const again = await access.grant({ role: 'analyst', pattern: 'api_integration/*', view: true });
    expect(again).toMatchObject({ created: false, permission: { permission_id: granted.permission.permission_id, can_execute: false, deny_pattern: null } });
    expect((await check('api_integration/amadeus_ai_api')).allowed).toBe(false);

    expect((await access.permissions({ role: 'analyst' })).map((p) => p.playbook_path)).toEqual(['api_integration/*', 'data/*']);
    expect(await access.revoke('analyst', 'api_integration/*')).toEqual({ role: 'analyst', pattern: 'api_integration/*', removed: 1 });
    expect(await codeOf(access.revoke('analyst', 'api_integration/*'))).toBe('not_found');
  });

  it('refuses bad patterns, unknown roles and empty grants; fails closed for unknown and disabled users', async () => {
    expect(await codeOf(access.grant({ role: 'analyst', pattern: 'API/*', execute: true }))).toBe('invalid');
    expect(await codeOf(access.grant({ role: 'analyst', pattern: "x'; drop table users; --", execute: true }))).toBe('invalid');
    expect(await codeOf(access.grant({ role: 'analyst', pattern: 'x/*' }))).toBe('invalid');
    expect(await codeOf(access.grant({ role: 'nope', pattern: 'x/*', execute: true }))).toBe('not_found');
    expect(await codeOf(access.permissions({ role: 'nope' }))).toBe('not_found');
    expect(await codeOf(access.check({ user: 'a@b.c', playbook_path: 'x', permission_type: 'delete' as 'view' }))).toBe('invalid');
    expect(await access.check({ user: 'ghost@example.com', playbook_path: 'x/y', permission_type: 'view' })).toMatchObject({ allowed: false, user: null });

    await loginUser(t.store, 'mallory@example.com');
    await access.addUserRole('mallory@example.com', 'admin');
    expect((await access.check({ user: 'mallory@example.com', playbook_path: 'system/keys', permission_type: 'modify' })).allowed).toBe(true);
    const disabled = await access.setUserActive('mallory@example.com', false);
    expect(disabled.is_active).toBe(false);
    expect(await access.check({ user: 'mallory@example.com', playbook_path: 'system/keys', permission_type: 'modify' })).toMatchObject({ allowed: false, message: 'user mallory@example.com is disabled' });
    expect((await access.setUserActive('mallory@example.com', true)).is_active).toBe(true);
  });

  it('adds and removes roles, with an expiry; removing one the user lacks is not_found', async () => {
    await loginUser(t.store, 'cy@example.com');
    const added = await access.addUserRole('cy@example.com', 'developer', { expires_at: '2099-01-01T00:00:00Z' });
    expect(added).toMatchObject({ email: 'cy@example.com', role: 'developer', expires_at: '2099-01-01T00:00:00.000Z' });
    expect((await access.user('cy@example.com')).roles).toEqual(['developer', 'viewer']);
    expect(await access.removeUserRole('cy@example.com', 'developer')).toMatchObject({ role: 'developer', removed: true });
    expect(await codeOf(access.removeUserRole('cy@example.com', 'developer'))).toBe('not_found');
    expect(await codeOf(access.addUserRole('cy@example.com', 'wizard'))).toBe('not_found');
    const events = await sql.listAuditEvents(t.store, sql.authSchemaOf(t.store.info.schema), 10);
    expect(events.slice(0, 2).map((e) => [e.event_type, e.event_details.role])).toEqual([['role_revoked', 'developer'], ['role_granted', 'developer']]);
  });
});
