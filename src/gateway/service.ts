/**
 * What the gateway decides, over the `auth` tables (src/backends/sql/auth.ts): logins make
 * users and sessions, sessions are checked (expiry, idle timeout, user disabled), playbook
 * permissions are checked with upstream's rule, and the audit trail is written. The session
 * token is 256 random bits shown once; only its SHA-256 is stored.
 */
import { createHash, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import * as sql from '../backends/sql/auth.js';
import type { Store } from '../backends/sql/store.js';
import { invalidError, NoetlError } from '../core/errors.js';
import type { VerifiedIdentity } from './issuers.js';

const SESSION_TOKEN_PREFIX = 'noetl-session-';
const SESSION_TOKEN_PATTERN = /^noetl-session-[A-Za-z0-9_-]{43}$/;
/** last_activity_at is written at most this often per session (a write per request would halve throughput). */
const ACTIVITY_RESOLUTION_MS = 60_000;

export interface SessionPolicy {
  /** The role a user gets at first login (`viewer`). */
  defaultRole: string;
  /** Session length when the login asks for none (8 h, as upstream). */
  defaultHours: number;
  /** The longest session a login may ask for. */
  maxHours: number;
  /** A session unused for this long ends, ms. */
  idleTimeoutMs: number;
}

export const DEFAULT_SESSION_POLICY: SessionPolicy = { defaultRole: 'viewer', defaultHours: 8, maxHours: 24, idleTimeoutMs: 2 * 3600_000 };

export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
}

/** A session that is valid now, with its user and the user's roles. */
export interface LiveSession {
  session_id: string;
  expires_at: Date;
  user: sql.UserRow;
  roles: string[];
}

export type Permission = sql.PlaybookAction;

/** `edit` is `modify` (upstream never grants `edit`); anything else is not a permission. */
export function permissionOf(text: string): Permission | undefined {
  const value = text.trim().toLowerCase();
  if (value === 'edit') return 'modify';
  return value === 'execute' || value === 'view' || value === 'modify' ? value : undefined;
}

function hashSessionToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** What an audit line says beside who, when and from where. */
export interface AuditNote {
  event_type: string;
  event_status: 'success' | 'failure' | 'denied';
  user_id?: string | null;
  session_id?: string | null;
  resource_type?: string | null;
  resource_id?: string | null;
  details?: Record<string, unknown>;
}

export class GatewayService {
  readonly schema: string;

  constructor(
    readonly store: Store,
    readonly policy: SessionPolicy = DEFAULT_SESSION_POLICY,
  ) {
    this.schema = sql.authSchemaOf(store.info.schema);
  }

  now(): Date {
    return this.store.now();
  }

  /**
   * A new session for a verified identity: the user is made at first login (with the default
   * role) or refreshed, and the login's success line is audited with the session (one statement).
   */
  async login(identity: VerifiedIdentity, requestedHours: number | undefined, client: ClientInfo): Promise<{ token: string; session: LiveSession; created: boolean }> {
    const hours = requestedHours ?? this.policy.defaultHours;
    if (!(hours > 0)) throw invalidError('session_duration_hours must be a positive number of hours');
    const effectiveHours = Math.min(hours, this.policy.maxHours);
    const now = this.now();
    const token = SESSION_TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const ip = ipOrNull(client.ip);
    const userAgent = client.userAgent?.slice(0, 1000) ?? null;
    const result = await sql.loginSession(this.store, this.schema, {
      auth0_id: identity.sub,
      email: identity.email,
      display_name: identity.display_name,
      profile_data: profileOf(identity),
      default_role: this.policy.defaultRole,
      now,
      token_sha256: hashSessionToken(token),
      expires_at: new Date(now.getTime() + effectiveHours * 3600_000),
      ip_address: ip,
      user_agent: userAgent,
      audit_details: { auth0_domain: identity.domain },
    });
    if (result.outcome === 'email_taken') {
      throw new NoetlError('conflict', `the email ${identity.email} belongs to another user (another Auth0 identity): an administrator can change or remove that user`, { reason: 'email_taken' });
    }
    if (result.outcome === 'disabled') throw new NoetlError('forbidden', `user ${identity.email} is disabled: ask an administrator to enable it (noetl user enable)`, { reason: 'user_disabled' });
    const { user, created, session_id, expires_at, roles } = result;
    return { token, session: { session_id, expires_at, user, roles }, created };
  }

  /**
   * The live session of a token, or undefined: unknown, ended, expired, idle too long, or its
   * user disabled. An idle session is ended here; activity is noted (at most once a minute).
   */
  async session(token: string | undefined, options: { roles?: boolean } = {}): Promise<LiveSession | undefined> {
    return (await this.sessionAccess(token, undefined, options))?.session;
  }

  /** The live session of a token and whether its user may do `permission` on the playbook, in one query. */
  async sessionAccess(token: string | undefined, check: { playbookPath: string; permission: Permission } | undefined, options: { roles?: boolean } = {}): Promise<{ session: LiveSession; allowed: boolean } | undefined> {
    if (!token || !SESSION_TOKEN_PATTERN.test(token)) return undefined;
    const now = this.now();
    const found = await sql.findSessionAccess(this.store, this.schema, hashSessionToken(token), check && { playbook_path: check.playbookPath, action: check.permission, now });
    if (!found) return undefined;
    const { session: row, allowed } = found;
    if (!row.is_active || !row.user.is_active) return undefined;
    if (new Date(row.expires_at).getTime() <= now.getTime()) return undefined;
    const last = new Date(row.last_activity_at ?? row.created_at).getTime();
    if (now.getTime() - last >= this.policy.idleTimeoutMs) {
      await sql.deactivateSession(this.store, this.schema, row.session_id);
      return undefined;
    }
    if (now.getTime() - last >= ACTIVITY_RESOLUTION_MS) await sql.touchSession(this.store, this.schema, row.session_id, now);
    const roles = options.roles ? (await sql.userRoles(this.store, this.schema, row.user_id, now)).map((r) => r.role_name) : [];
    return { session: { session_id: row.session_id, expires_at: new Date(row.expires_at), user: row.user, roles }, allowed };
  }

  /** Ends the token's session; false when there was no active one. */
  async logout(token: string | undefined): Promise<{ ended: boolean; session?: LiveSession }> {
    const session = await this.session(token);
    if (!session) return { ended: false };
    return { ended: await sql.deactivateSession(this.store, this.schema, session.session_id), session };
  }

  async allowed(userId: string, playbookPath: string, permission: Permission): Promise<boolean> {
    return sql.checkPlaybookPermission(this.store, this.schema, userId, playbookPath, permission, this.now());
  }

  /** Writes one audit line; a failure to write never changes the answer (the caller logs it). */
  async audit(note: AuditNote, client: ClientInfo): Promise<void> {
    await sql.insertAuditEvent(this.store, this.schema, {
      user_id: note.user_id ?? null,
      session_id: note.session_id ?? null,
      event_type: note.event_type,
      event_status: note.event_status,
      resource_type: note.resource_type ?? null,
      resource_id: note.resource_id?.slice(0, 255) ?? null,
      event_details: note.details ?? {},
      ip_address: ipOrNull(client.ip),
      user_agent: client.userAgent?.slice(0, 1000) ?? null,
      created_at: this.now(),
    });
  }

  /** The playbook an execution started through this gateway ran, from the audit trail; undefined when none did. */
  async executionPlaybook(executionId: string): Promise<string | undefined> {
    return sql.findExecutedPlaybook(this.store, this.schema, executionId);
  }
}

function ipOrNull(ip: string | null): string | null {
  return ip && isIP(ip) ? ip : null;
}

/** The profile upstream keeps: the token's name and picture claims, never the token. */
function profileOf(identity: VerifiedIdentity): Record<string, unknown> {
  const profile: Record<string, unknown> = { auth0_domain: identity.domain };
  for (const key of ['name', 'nickname', 'picture', 'given_name', 'family_name']) {
    if (typeof identity.claims[key] === 'string') profile[key] = identity.claims[key];
  }
  return profile;
}
