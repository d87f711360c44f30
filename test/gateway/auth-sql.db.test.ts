import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as auth from '../../src/backends/sql/auth.js';
import type { Store } from '../../src/backends/sql/store.js';
import { testStore } from '../helpers/store.js';

const NOW = new Date('2026-01-01T00:00:00Z');

describe('auth tables (migration 0003) and their repository', () => {
  let store: Store;
  let schema: string;
  /** Logins so far in this test: the nth session's token hash is n, zero-padded. */
  let tokens: number;
  beforeEach(async () => {
    tokens = 0;
    store = await testStore();
    schema = auth.authSchemaOf(store.info.schema);
  });
  afterEach(() => store.close());

  const tryLogin = (email: string, sub = `auth0|${email}`) =>
    auth.loginSession(store, schema, {
      auth0_id: sub,
      email,
      display_name: 'Ada',
      profile_data: { name: 'Ada' },
      default_role: 'viewer',
      now: NOW,
      token_sha256: String(++tokens).padStart(64, '0'),
      expires_at: new Date(NOW.getTime() + 3600_000),
      ip_address: '127.0.0.1',
      user_agent: 'test',
      audit_details: { auth0_domain: 'example.auth0.com' },
    });
  const login = async (email: string) => {
    const result = await tryLogin(email);
    if (result.outcome !== 'session') throw new Error(`login of ${email}: ${result.outcome}`);
    return result;
  };

  it('seeds upstream roles with LIKE patterns that work, and lists them', async () => {
    const roles = await auth.listRoles(store, schema, NOW);
    expect(roles.map((r) => r.role_name)).toEqual(['admin', 'developer', 'analyst', 'viewer']);
    const perms = await auth.listPlaybookPermissions(store, schema, 'developer');
    expect(perms).toMatchObject([{ role_name: 'developer', playbook_path: '*', allow_pattern: '%', deny_pattern: 'system/%', can_execute: true }]);
  });

  it('a login creates the user with the default role, or refreshes it, and writes its session and audit line in one statement', async () => {
    const first = await login('ada@example.com');
    expect(first).toMatchObject({ created: true, roles: ['viewer'], expires_at: new Date(NOW.getTime() + 3600_000) });
    expect(first.user).toMatchObject({ email: 'ada@example.com', display_name: 'Ada', is_active: true });
    expect(typeof first.user.user_id).toBe('string');
    expect((await auth.userRoles(store, schema, first.user.user_id, NOW)).map((r) => r.role_name)).toEqual(['viewer']);
    expect(await auth.findSessionByHash(store, schema, '1'.padStart(64, '0'))).toMatchObject({ session_id: first.session_id, ip_address: '127.0.0.1', is_active: true, user: { email: 'ada@example.com' } });
    expect(await auth.listAuditEvents(store, schema, 5)).toMatchObject([
      { event_type: 'login', event_status: 'success', user_id: first.user.user_id, session_id: first.session_id, event_details: { auth0_domain: 'example.auth0.com', user_created: true }, ip_address: '127.0.0.1' },
    ]);
    const second = await login('ada@example.com');
    expect(second).toMatchObject({ created: false, roles: ['viewer'], user: { user_id: first.user.user_id } });
    expect(second.session_id).not.toBe(first.session_id);
    expect((await auth.listAuditEvents(store, schema, 5))[0]).toMatchObject({ session_id: second.session_id, event_details: { user_created: false } });
    expect(await auth.findUserByEmail(store, schema, 'ADA@example.com')).toMatchObject({ user_id: first.user.user_id });
    // Another identity with the same email does not take the account over, and nothing is written.
    expect(await tryLogin('Ada@example.com', 'google-oauth2|other')).toEqual({ outcome: 'email_taken' });
    expect(await auth.listUsers(store, schema)).toMatchObject([{ auth0_id: 'auth0|ada@example.com' }]);
    // A disabled user gets no session, and its row is left as it was.
    await auth.setUserActive(store, schema, first.user.user_id, false, NOW);
    const before = await auth.findUserById(store, schema, first.user.user_id);
    expect(await tryLogin('ada@example.com')).toEqual({ outcome: 'disabled' });
    expect(await auth.findUserById(store, schema, first.user.user_id)).toEqual(before);
    expect(await auth.listAuditEvents(store, schema, 5)).toHaveLength(2);
  });

  it('checks permissions with upstream semantics: exact path, LIKE allow pattern, deny veto, action flags, role expiry', async () => {
    const { user } = await login('bob@example.com');
    const id = user.user_id;
    const check = (path: string, action: auth.PlaybookAction, at = NOW) => auth.checkPlaybookPermission(store, schema, id, path, action, at);
    expect(await check('api_integration/amadeus', 'view')).toBe(true); // viewer: view everything
    expect(await check('api_integration/amadeus', 'execute')).toBe(false);
    await auth.removeUserRole(store, schema, id, 'viewer');
    await store.transaction((tx) =>
      auth.grantPlaybookPermission(tx, schema, { role_name: 'analyst', playbook_path: 'api_integration/*', can_execute: true, can_view: true, can_modify: false, allow_pattern: auth.likePatternOf('api_integration/*'), deny_pattern: auth.likePatternOf('api_integration/secret*') }, NOW),
    );
    await auth.addUserRole(store, schema, { user_id: id, role_name: 'analyst', granted_by: null, expires_at: new Date(NOW.getTime() + 60_000), now: NOW });
    expect(await check('api_integration/amadeus', 'execute')).toBe(true);
    expect(await check('api_integration/secret_keys', 'execute')).toBe(false); // denied by its row
    expect(await check('apixintegration/amadeus', 'execute')).toBe(false); // `_` is not a wildcard
    expect(await check('api_integration/amadeus', 'modify')).toBe(false);
    expect(await check('data/report', 'execute')).toBe(true); // analyst's seeded data/*
    expect(await check('api_integration/amadeus', 'execute', new Date(NOW.getTime() + 120_000))).toBe(false); // role expired
    // A grant again updates its row; revoke removes it.
    const again = await store.transaction((tx) =>
      auth.grantPlaybookPermission(tx, schema, { role_name: 'analyst', playbook_path: 'api_integration/*', can_execute: false, can_view: true, can_modify: false, allow_pattern: 'api\\_integration/%', deny_pattern: null }, NOW),
    );
    expect(again).toMatchObject({ created: false, row: { can_execute: false } });
    expect(await auth.revokePlaybookPermission(store, schema, 'analyst', 'api_integration/*')).toBe(1);
    expect(await store.transaction((tx) => auth.grantPlaybookPermission(tx, schema, { role_name: 'nope', playbook_path: 'x', can_execute: true, can_view: true, can_modify: true, allow_pattern: null, deny_pattern: null }, NOW))).toBeUndefined();
  });

  it('keeps sessions by hash with their user, and audit events', async () => {
    const { user, session_id } = await login('cy@example.com');
    const hash = '1'.padStart(64, '0');
    const found = await auth.findSessionByHash(store, schema, hash);
    expect(found).toMatchObject({ session_id, ip_address: '127.0.0.1', is_active: true, user: { email: 'cy@example.com' } });
    expect(found!.user.created_at).toBeInstanceOf(Date);
    expect(await auth.deactivateSession(store, schema, session_id)).toBe(true);
    expect(await auth.findSessionByHash(store, schema, hash)).toMatchObject({ is_active: false });
    await auth.insertAuditEvent(store, schema, { user_id: user.user_id, session_id, event_type: 'logout', event_status: 'success', resource_type: null, resource_id: null, event_details: { k: 1 }, ip_address: '::1', user_agent: null, created_at: NOW });
    expect(await auth.listAuditEvents(store, schema, 5)).toMatchObject([{ event_type: 'logout', event_details: { k: 1 }, ip_address: '::1' }, { event_type: 'login' }]);
  });
});
