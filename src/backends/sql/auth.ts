/**
 * The gateway's `auth` tables (migration 0003, upstream's names): users, roles, playbook
 * permissions, sessions and the audit trail. Rows in, rows out; no validation, no decision
 * beyond the permission check's SQL (upstream's, so both gateways decide alike).
 *
 * The tables live beside the store's schema: `auth` next to `noetl`, `<schema>_auth` next to any
 * other (see the migration), so every function takes the tables' schema from `authSchemaOf`.
 * A session token never reaches this layer, only its SHA-256 (hex), in `session_token`.
 * 64-bit ids (user_id, session_id, permission_id, log_id) come out as strings.
 */
import { preparedStatement, type Queryable } from './store.js';

/** Where the auth tables of a store schema are (the migration's rule). */
export function authSchemaOf(storeSchema: string): string {
  return storeSchema === 'noetl' ? 'auth' : `${storeSchema}_auth`;
}

export interface UserRow {
  user_id: string;
  auth0_id: string;
  email: string;
  display_name: string | null;
  created_at: Date;
  updated_at: Date;
  last_login_at: Date | null;
  is_active: boolean;
}

export interface RoleRow {
  role_id: number;
  role_name: string;
  description: string | null;
  is_system_role: boolean;
  created_at: Date;
  /** Users holding the role now. */
  user_count: number;
}

export interface UserRoleRow {
  role_name: string;
  granted_at: Date;
  granted_by: string | null;
  expires_at: Date | null;
}

export interface PlaybookPermissionRow extends PlaybookPermissionWrite {
  permission_id: string;
  created_at: Date;
  updated_at: Date;
}

/** A grant: `playbook_path` is the row's key per role (written again, the row is updated). */
export interface PlaybookPermissionWrite {
  role_name: string;
  playbook_path: string;
  can_execute: boolean;
  can_view: boolean;
  can_modify: boolean;
  /** A LIKE pattern (`api\_integration/%`), or null for the exact path only. */
  allow_pattern: string | null;
  /** A LIKE pattern that vetoes this row, or null. */
  deny_pattern: string | null;
}

export type PlaybookAction = 'execute' | 'view' | 'modify';

export interface SessionRow {
  session_id: string;
  user_id: string;
  created_at: Date;
  expires_at: Date;
  last_activity_at: Date | null;
  ip_address: string | null;
  user_agent: string | null;
  is_active: boolean;
}

/** A session with its user, as a session check needs them. */
export interface SessionWithUser extends SessionRow {
  user: UserRow;
}

export interface AuditEventWrite {
  user_id: string | null;
  session_id: string | null;
  event_type: string;
  event_status: string;
  resource_type: string | null;
  resource_id: string | null;
  event_details: Record<string, unknown>;
  ip_address: string | null;
  user_agent: string | null;
  created_at: Date;
}

export interface AuditEventRow extends AuditEventWrite {
  log_id: string;
}

const q = (schema: string) => `"${schema.replace(/"/g, '""')}"`;

const USER_COLUMNS = 'u.user_id::text AS user_id, u.auth0_id, u.email, u.display_name, u.created_at, u.updated_at, u.last_login_at, u.is_active';

function toUser(row: UserRow): UserRow {
  return { ...row, is_active: row.is_active !== false };
}

// ---------------------------------------------------------------- users

export async function findUserById(db: Queryable, schema: string, userId: string): Promise<UserRow | undefined> {
  const { rows } = await db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM ${q(schema)}.users u WHERE u.user_id = $1`, [userId]);
  return rows[0] && toUser(rows[0]);
}

export async function findUserByEmail(db: Queryable, schema: string, email: string): Promise<UserRow | undefined> {
  const { rows } = await db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM ${q(schema)}.users u WHERE lower(u.email) = lower($1)`, [email]);
  return rows[0] && toUser(rows[0]);
}

export async function listUsers(db: Queryable, schema: string): Promise<UserRow[]> {
  const { rows } = await db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM ${q(schema)}.users u ORDER BY u.user_id`);
  return rows.map(toUser);
}

/** What a login writes: the user's fields from the verified token, the new session, and the details of its audit line. */
export interface LoginWrite {
  auth0_id: string;
  email: string;
  display_name: string | null;
  profile_data: Record<string, unknown>;
  /** The role a user made by this login gets (when that role exists). */
  default_role: string;
  now: Date;
  token_sha256: string;
  expires_at: Date;
  ip_address: string | null;
  user_agent: string | null;
  /** The success audit line's event_details (`user_created` is added). */
  audit_details: Record<string, unknown>;
}

export type LoginResult =
  /** The email belongs to a user of another auth0 id: nothing was written (an email is never proof enough to take over an account). */
  | { outcome: 'email_taken' }
  /** The user is disabled: nothing was written. */
  | { outcome: 'disabled' }
  | { outcome: 'session'; user: UserRow; created: boolean; session_id: string; expires_at: Date; roles: string[] };

/**
 * A whole login in one statement (one round trip, one commit, whatever the load): the user is
 * found by auth0 id (locked) and its email, display name, profile and last login refreshed, or
 * created with `default_role`; then its session is inserted, with the `login` success line of
 * the audit trail, so that a session never exists without its audit line. Nothing is written
 * when the email belongs to another auth0 id or the user is disabled.
 */
export async function loginSession(db: Queryable, schema: string, login: LoginWrite): Promise<LoginResult> {
  const s = q(schema);
  const text = `WITH found AS (
      SELECT user_id, auth0_id = $1 AS same, COALESCE(is_active, true) AS active FROM ${s}.users
      WHERE auth0_id = $1 OR lower(email) = lower($2) FOR UPDATE
    ),
    taken AS (SELECT EXISTS (SELECT 1 FROM found WHERE NOT same) AS taken),
    updated AS (
      UPDATE ${s}.users u SET auth0_id = $1, email = $2, display_name = COALESCE($3, u.display_name), profile_data = $4::jsonb, last_login_at = $5, updated_at = $5
      FROM found f, taken t WHERE u.user_id = f.user_id AND f.same AND f.active AND NOT t.taken
      RETURNING ${USER_COLUMNS}
    ),
    inserted AS (
      INSERT INTO ${s}.users AS u (auth0_id, email, display_name, profile_data, created_at, updated_at, last_login_at, is_active)
      SELECT $1, $2, $3, $4::jsonb, $5, $5, $5, true WHERE NOT EXISTS (SELECT 1 FROM found)
      RETURNING ${USER_COLUMNS}
    ),
    granted AS (
      INSERT INTO ${s}.user_roles (user_id, role_id, granted_at)
      SELECT i.user_id::bigint, r.role_id, $5 FROM inserted i JOIN ${s}.roles r ON r.role_name = $6
      ON CONFLICT DO NOTHING RETURNING role_id
    ),
    login_user AS (SELECT *, false AS created FROM updated UNION ALL SELECT *, true AS created FROM inserted),
    session AS (
      INSERT INTO ${s}.sessions AS s (user_id, session_token, created_at, expires_at, last_activity_at, ip_address, user_agent, is_active)
      SELECT user_id::bigint, $7, $5, $8, $5, $9::inet, $10, true FROM login_user
      RETURNING s.session_id, s.user_id, s.expires_at
    ),
    audited AS (
      INSERT INTO ${s}.audit_log (user_id, session_id, event_type, event_status, event_details, ip_address, user_agent, created_at)
      SELECT n.user_id, n.session_id, 'login', 'success', $11::jsonb || jsonb_build_object('user_created', l.created), $9::inet, $10, $5 FROM session n, login_user l
    )
    SELECT (SELECT taken FROM taken) AS email_taken, EXISTS (SELECT 1 FROM found WHERE same AND NOT active) AS disabled,
           l.*, n.session_id::text AS session_id, n.expires_at AS session_expires_at,
           ARRAY(SELECT r.role_name FROM ${s}.roles r WHERE r.role_id IN (
             SELECT ur.role_id FROM ${s}.user_roles ur WHERE ur.user_id = l.user_id::bigint AND (ur.expires_at IS NULL OR ur.expires_at > $5)
             UNION SELECT role_id FROM granted
           ) ORDER BY r.role_id) AS roles
    FROM (SELECT 1) AS one LEFT JOIN login_user l ON true LEFT JOIN session n ON true`;
  const { rows } = await db.query<UserRow & { email_taken: boolean; disabled: boolean; created: boolean | null; session_id: string | null; session_expires_at: Date | null; roles: string[] }>(
    text,
    [
      login.auth0_id,
      login.email,
      login.display_name,
      JSON.stringify(login.profile_data),
      login.now,
      login.default_role,
      login.token_sha256,
      login.expires_at,
      login.ip_address,
      login.user_agent,
      JSON.stringify(login.audit_details),
    ],
    preparedStatement(text),
  );
  const row = rows[0];
  if (row.email_taken) return { outcome: 'email_taken' };
  if (row.disabled) return { outcome: 'disabled' };
  const { email_taken: _taken, disabled: _disabled, created, session_id, session_expires_at, roles, ...user } = row;
  return { outcome: 'session', user: toUser(user), created: created === true, session_id: session_id!, expires_at: new Date(session_expires_at!), roles };
}

/** Enables or disables a user; a disabled user's sessions stop working at once. False when there is no such user. */
export async function setUserActive(db: Queryable, schema: string, userId: string, active: boolean, now: Date): Promise<boolean> {
  return (await db.query(`UPDATE ${q(schema)}.users SET is_active = $2, updated_at = $3 WHERE user_id = $1`, [userId, active, now])).rowCount > 0;
}

// ---------------------------------------------------------------- roles

export async function listRoles(db: Queryable, schema: string, now: Date): Promise<RoleRow[]> {
  const s = q(schema);
  const { rows } = await db.query<RoleRow>(
    `SELECT r.role_id, r.role_name, r.description, COALESCE(r.is_system_role, false) AS is_system_role, r.created_at,
            (SELECT count(*)::int FROM ${s}.user_roles ur WHERE ur.role_id = r.role_id AND (ur.expires_at IS NULL OR ur.expires_at > $1)) AS user_count
     FROM ${s}.roles r ORDER BY r.role_id`,
    [now],
  );
  return rows;
}

export async function roleExists(db: Queryable, schema: string, roleName: string): Promise<boolean> {
  return (await db.query(`SELECT 1 FROM ${q(schema)}.roles WHERE role_name = $1`, [roleName])).rowCount > 0;
}

/** The roles a user holds at `now` (expired assignments left out). */
export async function userRoles(db: Queryable, schema: string, userId: string, now: Date): Promise<UserRoleRow[]> {
  const s = q(schema);
  const text = `SELECT r.role_name, ur.granted_at, ur.granted_by::text AS granted_by, ur.expires_at
     FROM ${s}.user_roles ur JOIN ${s}.roles r ON r.role_id = ur.role_id
     WHERE ur.user_id = $1 AND (ur.expires_at IS NULL OR ur.expires_at > $2) ORDER BY r.role_id`;
  const { rows } = await db.query<UserRoleRow>(text, [userId, now], preparedStatement(text));
  return rows;
}

/**
 * Gives a user a role (again: its grant time, granter and expiry are renewed). Undefined when the
 * user or the role does not exist.
 */
export async function addUserRole(
  db: Queryable,
  schema: string,
  grant: { user_id: string; role_name: string; granted_by: string | null; expires_at: Date | null; now: Date },
): Promise<UserRoleRow | undefined> {
  const s = q(schema);
  const { rows } = await db.query<UserRoleRow>(
    `INSERT INTO ${s}.user_roles (user_id, role_id, granted_at, granted_by, expires_at)
     SELECT u.user_id, r.role_id, $3, $4, $5 FROM ${s}.users u, ${s}.roles r WHERE u.user_id = $1 AND r.role_name = $2
     ON CONFLICT (user_id, role_id) DO UPDATE SET granted_at = EXCLUDED.granted_at, granted_by = EXCLUDED.granted_by, expires_at = EXCLUDED.expires_at
     RETURNING $2::text AS role_name, granted_at, granted_by::text AS granted_by, expires_at`,
    [grant.user_id, grant.role_name, grant.now, grant.granted_by, grant.expires_at],
  );
  return rows[0];
}

/** Takes a role from a user; false when the user did not have it. */
export async function removeUserRole(db: Queryable, schema: string, userId: string, roleName: string): Promise<boolean> {
  const s = q(schema);
  const result = await db.query(
    `DELETE FROM ${s}.user_roles ur USING ${s}.roles r WHERE ur.role_id = r.role_id AND ur.user_id = $1 AND r.role_name = $2`,
    [userId, roleName],
  );
  return result.rowCount > 0;
}

// ---------------------------------------------------------------- playbook permissions

/**
 * The LIKE pattern stored for a path pattern as operators write it (`api_integration/*`):
 * `*` (and `%`) match anything, `_` only itself (escaped, as LIKE would take it for any one
 * character). Null for a plain path, which only the exact `playbook_path` match grants.
 */
export function likePatternOf(pathPattern: string): string | null {
  if (!/[*%]/.test(pathPattern)) return null;
  return pathPattern.replace(/\\/g, '\\\\').replace(/_/g, '\\_').replace(/\*/g, '%');
}

const PERMISSION_COLUMNS = `p.permission_id::text AS permission_id, r.role_name, p.playbook_path, COALESCE(p.can_execute, false) AS can_execute,
  COALESCE(p.can_view, false) AS can_view, COALESCE(p.can_modify, false) AS can_modify, p.allow_pattern, p.deny_pattern, p.created_at, p.updated_at`;

/**
 * Grants on a path for a role: the role's row with this `playbook_path` is updated, or a new one
 * inserted (no unique constraint is assumed: upstream's table has none). Undefined when the role
 * does not exist.
 */
export async function grantPlaybookPermission(tx: Queryable, schema: string, write: PlaybookPermissionWrite, now: Date): Promise<{ row: PlaybookPermissionRow; created: boolean } | undefined> {
  const s = q(schema);
  const values = [write.role_name, write.playbook_path, write.can_execute, write.can_view, write.can_modify, write.allow_pattern, write.deny_pattern, now];
  const updated = await tx.query<{ permission_id: string }>(
    `UPDATE ${s}.playbook_permissions p SET can_execute = $3, can_view = $4, can_modify = $5, allow_pattern = $6, deny_pattern = $7, updated_at = $8
     FROM ${s}.roles r WHERE r.role_id = p.role_id AND r.role_name = $1 AND p.playbook_path = $2 RETURNING p.permission_id::text AS permission_id`,
    values,
  );
  let id = updated.rows[0]?.permission_id;
  const created = id === undefined;
  if (created) {
    const inserted = await tx.query<{ permission_id: string }>(
      `INSERT INTO ${s}.playbook_permissions (role_id, playbook_path, can_execute, can_view, can_modify, allow_pattern, deny_pattern, created_at, updated_at)
       SELECT role_id, $2, $3, $4, $5, $6, $7, $8, $8 FROM ${s}.roles WHERE role_name = $1 RETURNING permission_id::text AS permission_id`,
      values,
    );
    id = inserted.rows[0]?.permission_id;
    if (id === undefined) return undefined;
  }
  const { rows } = await tx.query<PlaybookPermissionRow>(
    `SELECT ${PERMISSION_COLUMNS} FROM ${s}.playbook_permissions p JOIN ${s}.roles r ON r.role_id = p.role_id WHERE p.permission_id = $1`,
    [id],
  );
  return { row: rows[0], created };
}

/** Removes a role's rows for a path; the number removed (0: there were none). */
export async function revokePlaybookPermission(db: Queryable, schema: string, roleName: string, playbookPath: string): Promise<number> {
  const s = q(schema);
  const result = await db.query(
    `DELETE FROM ${s}.playbook_permissions p USING ${s}.roles r WHERE p.role_id = r.role_id AND r.role_name = $1 AND p.playbook_path = $2`,
    [roleName, playbookPath],
  );
  return result.rowCount;
}

export async function listPlaybookPermissions(db: Queryable, schema: string, roleName?: string): Promise<PlaybookPermissionRow[]> {
  const s = q(schema);
  const { rows } = await db.query<PlaybookPermissionRow>(
    `SELECT ${PERMISSION_COLUMNS} FROM ${s}.playbook_permissions p JOIN ${s}.roles r ON r.role_id = p.role_id
     WHERE $1::text IS NULL OR r.role_name = $1 ORDER BY r.role_id, p.playbook_path, p.permission_id`,
    [roleName ?? null],
  );
  return rows;
}

/**
 * Upstream's check (auth.check_playbook_permission): one of the user's current roles has a row
 * whose `playbook_path` equals the path or whose `allow_pattern` LIKE-matches it, with the
 * action's flag, and whose `deny_pattern` does not match it. Any other action: false.
 */
export async function checkPlaybookPermission(db: Queryable, schema: string, userId: string, playbookPath: string, action: PlaybookAction, now: Date): Promise<boolean> {
  const s = q(schema);
  const { rows } = await db.query<{ allowed: boolean }>(
    `SELECT EXISTS (
       SELECT 1 FROM ${s}.user_roles ur JOIN ${s}.playbook_permissions pp ON pp.role_id = ur.role_id
       WHERE ur.user_id = $1 AND (ur.expires_at IS NULL OR ur.expires_at > $4)
         AND (pp.playbook_path = $2 OR (pp.allow_pattern IS NOT NULL AND $2 LIKE pp.allow_pattern))
         AND (pp.deny_pattern IS NULL OR $2 NOT LIKE pp.deny_pattern)
         AND CASE $3 WHEN 'execute' THEN pp.can_execute WHEN 'view' THEN pp.can_view WHEN 'modify' THEN pp.can_modify ELSE false END
     ) AS allowed`,
    [userId, playbookPath, action, now],
  );
  return rows[0].allowed === true;
}

// ---------------------------------------------------------------- sessions

const SESSION_COLUMNS = `s.session_id::text AS session_id, s.user_id::text AS user_id, s.created_at, s.expires_at, s.last_activity_at,
  host(s.ip_address) AS ip_address, s.user_agent, COALESCE(s.is_active, false) AS is_active`;

/** The session with this token hash and its user, whatever their state (the caller decides). */
export async function findSessionByHash(db: Queryable, schema: string, tokenSha256: string): Promise<SessionWithUser | undefined> {
  return (await findSessionAccess(db, schema, tokenSha256))?.session;
}

/**
 * The session with this token hash, its user, and (with `check`) whether the user may do the
 * action on the playbook at `check.now` (checkPlaybookPermission's rule) — in one round trip,
 * as every check-access request needs both.
 */
export async function findSessionAccess(
  db: Queryable,
  schema: string,
  tokenSha256: string,
  check?: { playbook_path: string; action: PlaybookAction; now: Date },
): Promise<{ session: SessionWithUser; allowed: boolean } | undefined> {
  const s = q(schema);
  const text =
    `SELECT ${SESSION_COLUMNS}, u.auth0_id AS u_auth0_id, u.email AS u_email, u.display_name AS u_display_name, u.created_at AS u_created_at,
            u.updated_at AS u_updated_at, u.last_login_at AS u_last_login_at, u.is_active AS u_is_active,
            CASE WHEN $2::text IS NULL THEN NULL ELSE EXISTS (
              SELECT 1 FROM ${s}.user_roles ur JOIN ${s}.playbook_permissions pp ON pp.role_id = ur.role_id
              WHERE ur.user_id = s.user_id AND (ur.expires_at IS NULL OR ur.expires_at > $4)
                AND (pp.playbook_path = $2 OR (pp.allow_pattern IS NOT NULL AND $2 LIKE pp.allow_pattern))
                AND (pp.deny_pattern IS NULL OR $2 NOT LIKE pp.deny_pattern)
                AND CASE $3 WHEN 'execute' THEN pp.can_execute WHEN 'view' THEN pp.can_view WHEN 'modify' THEN pp.can_modify ELSE false END
            ) END AS allowed
     FROM ${s}.sessions s JOIN ${s}.users u ON u.user_id = s.user_id
     WHERE s.session_token = $1`;
  const { rows } = await db.query<SessionRow & { u_auth0_id: string; u_email: string; u_display_name: string | null; u_created_at: Date; u_updated_at: Date; u_last_login_at: Date | null; u_is_active: boolean | null; allowed: boolean | null }>(
    text,
    [tokenSha256, check?.playbook_path ?? null, check?.action ?? null, check?.now ?? null],
    preparedStatement(text),
  );
  const row = rows[0];
  if (!row) return undefined;
  const user = toUser({
    user_id: row.user_id,
    auth0_id: row.u_auth0_id,
    email: row.u_email,
    display_name: row.u_display_name,
    created_at: row.u_created_at,
    updated_at: row.u_updated_at,
    last_login_at: row.u_last_login_at,
    is_active: row.u_is_active !== false,
  });
  const session: SessionWithUser = {
    session_id: row.session_id,
    user_id: row.user_id,
    created_at: row.created_at,
    expires_at: row.expires_at,
    last_activity_at: row.last_activity_at,
    ip_address: row.ip_address,
    user_agent: row.user_agent,
    is_active: row.is_active,
    user,
  };
  return { session, allowed: row.allowed === true };
}

/** Notes activity on a live session. */
export async function touchSession(db: Queryable, schema: string, sessionId: string, now: Date): Promise<void> {
  const text = `UPDATE ${q(schema)}.sessions SET last_activity_at = $2 WHERE session_id = $1`;
  await db.query(text, [sessionId, now], preparedStatement(text));
}

/** Ends a session (logout, idle timeout); false when it was not active. */
export async function deactivateSession(db: Queryable, schema: string, sessionId: string): Promise<boolean> {
  return (await db.query(`UPDATE ${q(schema)}.sessions SET is_active = false WHERE session_id = $1 AND is_active`, [sessionId])).rowCount > 0;
}

/** Ends every active session of a user (disabled user); the number ended. */
export async function deactivateUserSessions(db: Queryable, schema: string, userId: string): Promise<number> {
  return (await db.query(`UPDATE ${q(schema)}.sessions SET is_active = false WHERE user_id = $1 AND is_active`, [userId])).rowCount;
}

// ---------------------------------------------------------------- audit

export async function insertAuditEvent(db: Queryable, schema: string, event: AuditEventWrite): Promise<void> {
  const text = `INSERT INTO ${q(schema)}.audit_log (user_id, session_id, event_type, event_status, resource_type, resource_id, event_details, ip_address, user_agent, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::inet, $9, $10)`;
  await db.query(
    text,
    [event.user_id, event.session_id, event.event_type, event.event_status, event.resource_type, event.resource_id, JSON.stringify(event.event_details), event.ip_address, event.user_agent, event.created_at],
    preparedStatement(text),
  );
}

/** The latest audit events, newest first (by the column: the text alias `log_id` would sort 9 after 13). */
export async function listAuditEvents(db: Queryable, schema: string, limit: number): Promise<AuditEventRow[]> {
  const { rows } = await db.query<AuditEventRow>(
    `SELECT log_id::text AS log_id, user_id::text AS user_id, session_id::text AS session_id, event_type, event_status, resource_type, resource_id,
            COALESCE(event_details, '{}'::jsonb) AS event_details, host(ip_address) AS ip_address, user_agent, created_at
     FROM ${q(schema)}.audit_log a ORDER BY a.log_id DESC LIMIT $1`,
    [limit],
  );
  return rows;
}

/** The playbook path of a successful `playbook_execute` audit line for this execution, if there is one. */
export async function findExecutedPlaybook(db: Queryable, schema: string, executionId: string): Promise<string | undefined> {
  const { rows } = await db.query<{ path: string | null }>(
    `SELECT event_details->>'playbook_path' AS path FROM ${q(schema)}.audit_log
     WHERE event_type = 'playbook_execute' AND event_status = 'success' AND resource_type = 'execution' AND resource_id = $1
     ORDER BY log_id DESC LIMIT 1`,
    [executionId],
  );
  return rows[0]?.path ?? undefined;
}
