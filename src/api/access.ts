/**
 * The access group of NoetlClient: who may run which playbooks through `noetl gateway` (seed 002;
 * upstream's `auth` schema). Users (created by their first login), their roles, and the roles'
 * playbook permissions: a row grants execute/view/modify on a path or a pattern (`api_integration/*`),
 * vetoed by its deny pattern. Wire types are snake_case, as the gateway's admin routes answer them
 * (GATEWAY-ROUTES.md); 64-bit ids are strings.
 */

/** What a playbook permission allows. `edit` is accepted as `modify` (upstream's word for it). */
export type PlaybookPermissionType = 'execute' | 'view' | 'modify';

export const PLAYBOOK_PERMISSION_TYPES: readonly PlaybookPermissionType[] = ['execute', 'view', 'modify'];

export interface AccessUser {
  user_id: string;
  auth0_id: string;
  email: string;
  display_name: string | null;
  is_active: boolean;
  /** The roles held now (expired assignments left out). */
  roles: string[];
  created_at: string;
  updated_at: string;
  last_login_at: string | null;
}

export interface AccessRole {
  role_id: number;
  role_name: string;
  description: string | null;
  is_system_role: boolean;
  /** Users holding it now. */
  user_count: number;
  created_at: string;
}

export interface PlaybookPermission {
  permission_id: string;
  role_name: string;
  /** The path or pattern as granted (`api_integration/*`). */
  playbook_path: string;
  can_execute: boolean;
  can_view: boolean;
  can_modify: boolean;
  /** The stored LIKE pattern (`api\_integration/%`); null for an exact path. */
  allow_pattern: string | null;
  deny_pattern: string | null;
  created_at: string;
  updated_at: string;
}

export interface GrantOptions {
  role: string;
  /** A playbook path, or a pattern with `*` (or `%`): lower-case letters, digits, `/ _ - * %`. */
  pattern: string;
  execute?: boolean;
  view?: boolean;
  modify?: boolean;
  /** Paths this row never grants (`system/*`). */
  deny?: string;
}

export interface GrantResult {
  permission: PlaybookPermission;
  /** False when the role's row for this pattern was updated instead. */
  created: boolean;
}

export interface RevokeResult {
  role: string;
  pattern: string;
  removed: number;
}

export interface AccessCheckOptions {
  /** An email (case-insensitive) or a numeric user id. */
  user: string;
  playbook_path: string;
  permission_type: PlaybookPermissionType | 'edit';
}

export interface AccessCheckResult {
  allowed: boolean;
  /** null when no such user exists (then never allowed). */
  user: AccessUser | null;
  playbook_path: string;
  permission_type: PlaybookPermissionType;
  message: string;
}

export interface UserRoleGrant {
  user_id: string;
  email: string;
  role: string;
  granted_at: string;
  expires_at: string | null;
}

export interface UserRoleRemoval {
  user_id: string;
  email: string;
  role: string;
  removed: true;
}

export interface AccessApi {
  roles(): Promise<AccessRole[]>;
  users(): Promise<AccessUser[]>;
  /** By email or numeric id; not_found when absent. */
  user(user: string): Promise<AccessUser>;
  /** Disables (its sessions end at once) or enables a user; not_found when absent. */
  setUserActive(user: string, active: boolean): Promise<AccessUser>;
  /** Gives a user a role (again: renewed); not_found for an unknown user or role. */
  addUserRole(user: string, role: string, options?: { expires_at?: string | null }): Promise<UserRoleGrant>;
  /** not_found when the user does not hold the role. */
  removeUserRole(user: string, role: string): Promise<UserRoleRemoval>;
  /** Every playbook permission, or one role's (not_found for an unknown role). */
  permissions(options?: { role?: string }): Promise<PlaybookPermission[]>;
  /** Grants on a pattern for a role: its row for that pattern is written whole (created or replaced). */
  grant(options: GrantOptions): Promise<GrantResult>;
  /** Removes a role's rows for a pattern; not_found when there were none. */
  revoke(role: string, pattern: string): Promise<RevokeResult>;
  /** Whether a user may do this on a playbook, as the gateway decides it (fail closed). */
  check(options: AccessCheckOptions): Promise<AccessCheckResult>;
}
