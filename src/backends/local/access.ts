/**
 * Gateway access over a database (upstream's `auth` tables, migration 0003): users, roles and
 * playbook permissions, through the SQL repository src/backends/sql/auth.ts. Validation of names
 * and patterns is here; every change is written to auth.audit_log, as the gateway's own events are.
 */
import { userInfo } from 'node:os';
import {
  PLAYBOOK_PERMISSION_TYPES,
  type AccessApi,
  type AccessCheckResult,
  type AccessRole,
  type AccessUser,
  type PlaybookPermission,
  type PlaybookPermissionType,
} from '../../api/access.js';
import { invalidError, notFoundError } from '../../core/errors.js';
import * as sql from '../sql/auth.js';
import type { Queryable } from '../sql/store.js';
import type { LocalClientDeps } from './index.js';

/** Upstream's CHECK on playbook_permissions.playbook_path (and its VARCHAR(500)). */
const PATTERN = /^[a-z0-9/_*%-]+$/;
const MAX_PATTERN_LENGTH = 500;
const ROLE_NAME = /^[a-z][a-z0-9_-]{0,49}$/;

const iso = (at: Date | string) => new Date(at).toISOString();
const isoOrNull = (at: Date | string | null) => (at === null ? null : iso(at));

function checkPattern(pattern: string, what: string): void {
  if (pattern.length > MAX_PATTERN_LENGTH || !PATTERN.test(pattern)) {
    throw invalidError(`${what} '${pattern.slice(0, 80)}' is not valid: use lower-case letters, digits, '/', '_', '-' and '*' (at most ${MAX_PATTERN_LENGTH} characters), e.g. api_integration/*`, {
      reason: 'invalid-pattern',
    });
  }
}

function checkRoleName(role: string): void {
  if (!ROLE_NAME.test(role)) throw invalidError(`role '${role.slice(0, 50)}' is not a role name: lower-case letters, digits, '_' and '-'`, { reason: 'invalid-role' });
}

/** `edit` is upstream's name for `modify`; anything else is refused. */
export function permissionTypeOf(type: string): PlaybookPermissionType {
  const normal = type === 'edit' ? 'modify' : type;
  if (!(PLAYBOOK_PERMISSION_TYPES as readonly string[]).includes(normal)) throw invalidError(`permission '${type.slice(0, 32)}' is not one of execute, view, modify (or edit)`);
  return normal as PlaybookPermissionType;
}

function toPermission(row: sql.PlaybookPermissionRow): PlaybookPermission {
  return { ...row, created_at: iso(row.created_at), updated_at: iso(row.updated_at) };
}

function toRole(row: sql.RoleRow): AccessRole {
  return { ...row, created_at: iso(row.created_at) };
}

/** Who works on a direct database: the operating-system user (for the audit trail). */
function localActor(): string {
  try {
    return `local:${userInfo().username}`;
  } catch {
    return 'local';
  }
}

export function localAccess(deps: LocalClientDeps): AccessApi {
  const { store } = deps;
  const schema = sql.authSchemaOf(store.info.schema);

  async function toUser(db: Queryable, row: sql.UserRow): Promise<AccessUser> {
    const roles = await sql.userRoles(db, schema, row.user_id, store.now());
    return {
      user_id: row.user_id,
      auth0_id: row.auth0_id,
      email: row.email,
      display_name: row.display_name,
      is_active: row.is_active,
      roles: roles.map((r) => r.role_name),
      created_at: iso(row.created_at),
      updated_at: iso(row.updated_at),
      last_login_at: isoOrNull(row.last_login_at),
    };
  }

  /** A user by email or numeric id, or undefined. */
  async function findUser(db: Queryable, ref: string): Promise<sql.UserRow | undefined> {
    const text = ref.trim();
    if (/^\d{1,19}$/.test(text)) return sql.findUserById(db, schema, text);
    if (text.includes('@')) return sql.findUserByEmail(db, schema, text);
    throw invalidError(`user '${text.slice(0, 80)}' is neither an email nor a numeric user id`);
  }

  async function requireUser(db: Queryable, ref: string): Promise<sql.UserRow> {
    const row = await findUser(db, ref);
    if (!row) throw notFoundError(`user '${ref}' not found`, { hint: { command: 'user ls', text: '(a user exists once they log in to the gateway)' } });
    return row;
  }

  async function requireRole(db: Queryable, role: string): Promise<void> {
    checkRoleName(role);
    if (!(await sql.roleExists(db, schema, role))) throw notFoundError(`role '${role}' not found`, { hint: { command: 'role ls', text: 'to see the roles' } });
  }

  async function audit(db: Queryable, event: string, resource: { type: string; id: string }, details: Record<string, unknown>, userId: string | null = null): Promise<void> {
    await sql.insertAuditEvent(db, schema, {
      user_id: userId,
      session_id: null,
      event_type: event,
      event_status: 'success',
      resource_type: resource.type,
      resource_id: resource.id,
      event_details: { actor: localActor(), ...details },
      ip_address: null,
      user_agent: 'noetl-cli',
      created_at: store.now(),
    });
  }

  return {
    async roles() {
      return (await sql.listRoles(store, schema, store.now())).map(toRole);
    },

    async users() {
      const rows = await sql.listUsers(store, schema);
      const users: AccessUser[] = [];
      for (const row of rows) users.push(await toUser(store, row));
      return users;
    },

    async user(ref) {
      return toUser(store, await requireUser(store, ref));
    },

    async setUserActive(ref, active) {
      return store.transaction(async (tx) => {
        const row = await requireUser(tx, ref);
        await sql.setUserActive(tx, schema, row.user_id, active, store.now());
        const ended = active ? 0 : await sql.deactivateUserSessions(tx, schema, row.user_id);
        await audit(tx, active ? 'user_enabled' : 'user_disabled', { type: 'user', id: row.user_id }, active ? {} : { sessions_ended: ended }, row.user_id);
        return toUser(tx, (await sql.findUserById(tx, schema, row.user_id))!);
      });
    },

    async addUserRole(ref, role, options = {}) {
      const expiresAt = options.expires_at ? new Date(options.expires_at) : null;
      if (expiresAt && Number.isNaN(expiresAt.getTime())) throw invalidError(`expiry '${options.expires_at}' is not an ISO time`);
      return store.transaction(async (tx) => {
        const user = await requireUser(tx, ref);
        await requireRole(tx, role);
        const granted = await sql.addUserRole(tx, schema, { user_id: user.user_id, role_name: role, granted_by: null, expires_at: expiresAt, now: store.now() });
        if (!granted) throw notFoundError(`user '${ref}' or role '${role}' not found`);
        await audit(tx, 'role_granted', { type: 'user', id: user.user_id }, { role, expires_at: isoOrNull(granted.expires_at) }, user.user_id);
        return { user_id: user.user_id, email: user.email, role, granted_at: iso(granted.granted_at), expires_at: isoOrNull(granted.expires_at) };
      });
    },

    async removeUserRole(ref, role) {
      return store.transaction(async (tx) => {
        const user = await requireUser(tx, ref);
        checkRoleName(role);
        if (!(await sql.removeUserRole(tx, schema, user.user_id, role))) {
          throw notFoundError(`user '${user.email}' does not have role '${role}'`, { hint: { command: `user show ${user.email}`, text: 'to see their roles' } });
        }
        await audit(tx, 'role_revoked', { type: 'user', id: user.user_id }, { role }, user.user_id);
        return { user_id: user.user_id, email: user.email, role, removed: true as const };
      });
    },

    async permissions(options = {}) {
      if (options.role !== undefined) await requireRole(store, options.role);
      return (await sql.listPlaybookPermissions(store, schema, options.role)).map(toPermission);
    },

    async grant(options) {
      checkPattern(options.pattern, 'pattern');
      if (options.deny !== undefined) checkPattern(options.deny, 'deny pattern');
      if (!options.execute && !options.view && !options.modify) throw invalidError('a grant needs at least one of execute, view and modify', { reason: 'nothing-granted' });
      return store.transaction(async (tx) => {
        await requireRole(tx, options.role);
        const written = await sql.grantPlaybookPermission(
          tx,
          schema,
          {
            role_name: options.role,
            playbook_path: options.pattern,
            can_execute: Boolean(options.execute),
            can_view: Boolean(options.view),
            can_modify: Boolean(options.modify),
            allow_pattern: sql.likePatternOf(options.pattern),
            deny_pattern: options.deny === undefined ? null : (sql.likePatternOf(options.deny) ?? options.deny),
          },
          store.now(),
        );
        if (!written) throw notFoundError(`role '${options.role}' not found`);
        const permission = toPermission(written.row);
        await audit(tx, 'permission_granted', { type: 'playbook_permission', id: permission.permission_id }, {
          role: options.role,
          pattern: options.pattern,
          execute: permission.can_execute,
          view: permission.can_view,
          modify: permission.can_modify,
          deny: options.deny ?? null,
        });
        return { permission, created: written.created };
      });
    },

    async revoke(role, pattern) {
      checkPattern(pattern, 'pattern');
      return store.transaction(async (tx) => {
        await requireRole(tx, role);
        const removed = await sql.revokePlaybookPermission(tx, schema, role, pattern);
        if (removed === 0) throw notFoundError(`role '${role}' has no permission on '${pattern}'`, { hint: { command: `access ls --role ${role}`, text: 'to see its permissions' } });
        await audit(tx, 'permission_revoked', { type: 'role', id: role }, { pattern, removed });
        return { role, pattern, removed };
      });
    },

    async check(options): Promise<AccessCheckResult> {
      const type = permissionTypeOf(options.permission_type);
      checkPattern(options.playbook_path, 'playbook path');
      const row = await findUser(store, options.user);
      const base = { playbook_path: options.playbook_path, permission_type: type };
      if (!row) return { ...base, allowed: false, user: null, message: `no user '${options.user}'` };
      const user = await toUser(store, row);
      if (!row.is_active) return { ...base, allowed: false, user, message: `user ${row.email} is disabled` };
      const allowed = await sql.checkPlaybookPermission(store, schema, row.user_id, options.playbook_path, type, store.now());
      return {
        ...base,
        allowed,
        user,
        message: allowed ? `${row.email} may ${type} ${options.playbook_path}` : `${row.email} may not ${type} ${options.playbook_path} (roles: ${user.roles.join(', ') || 'none'})`,
      };
    },
  };
}
