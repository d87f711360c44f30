/**
 * The tokens group of NoetlClient: the service tokens `noetl serve` accepts (issue 14, "Auth by
 * default"), and the audit trail. A token is shown once, when created; only its SHA-256 is
 * stored. Wire types are snake_case (API.md).
 */

/** What a token may do, each role including the ones before it: reader < writer < revealer < admin. */
export type TokenRole = 'reader' | 'writer' | 'revealer' | 'admin';

/** The roles, lowest first: a role is allowed what any role before it is. */
export const TOKEN_ROLES: readonly TokenRole[] = ['reader', 'writer', 'revealer', 'admin'];

/** True when `role` is `required` or above it. */
export function roleAllows(role: TokenRole, required: TokenRole): boolean {
  return TOKEN_ROLES.indexOf(role) >= TOKEN_ROLES.indexOf(required);
}

/** A stored service token, as `token ls` shows it: never the token. */
export interface ServiceToken {
  name: string;
  role: TokenRole;
  created_at: string;
  /** null: never expires. */
  expires_at: string | null;
  /** When a server last accepted it; null when never. */
  last_used_at: string | null;
  expired: boolean;
}

/** What `token create` answers: the token itself, this once. */
export interface CreatedToken {
  name: string;
  role: TokenRole;
  token: string;
  expires_at: string | null;
}

export interface CreateTokenOptions {
  name: string;
  role: TokenRole;
  /** Seconds from now until it expires; null: never. */
  ttl_seconds: number | null;
}

export interface RemovedToken {
  name: string;
  deleted: true;
}

/** One line of the audit trail: who did what, when, from where, and how it ended; never a value. */
export interface AuditEntry {
  /** A token name (`ci-reader`), `local:<os user>` for a direct database, `anonymous` without auth. */
  actor: string;
  /** `token.create`, `POST /api/credentials`, `reveal GET /api/credentials/:identifier`. */
  action: string;
  /** The thing acted on (a name, a path), when there is one. */
  target?: string | null;
  /** Where the request came from: an IP address, or `cli`. */
  source?: string | null;
  /** `ok`, or the error code / HTTP status it ended with (`denied`, `404`). */
  outcome: string;
}

export interface AuditRecord extends AuditEntry {
  id: string;
  at: string;
}

/** Who asked for a change, for its audit row: a server passes its caller; without it, the local user from `cli`. */
export interface AuditCaller {
  actor: string;
  source: string;
}

export interface TokensApi {
  /** A new token with this role; conflict when the name exists, invalid for a bad name or role. */
  create(options: CreateTokenOptions, caller?: AuditCaller): Promise<CreatedToken>;
  /** Every token, by name; never a token itself. */
  list(): Promise<ServiceToken[]>;
  /** Removes a token (it stops working at once); not_found when absent. */
  remove(name: string, caller?: AuditCaller): Promise<RemovedToken>;
  /** The newest audit lines first, at most `limit` (100 by default). */
  audit(options?: { limit?: number }): Promise<AuditRecord[]>;
}

/** Who a request is, once its token is checked. */
export interface TokenIdentity {
  name: string;
  role: TokenRole;
}

/**
 * What a server needs from its database beside the client: checking tokens, writing the audit
 * trail, and whether it is ready to serve. Database-side only (a server is the one holding it).
 */
export interface TokenAuthority {
  /** The identity of a valid, unexpired token; undefined for anything else (unknown, expired, malformed). */
  authenticate(token: string): Promise<TokenIdentity | undefined>;
  record(entry: AuditEntry): Promise<void>;
  /** Throws an `unavailable` NoetlError when the database is unreachable or its schema not current. */
  ready(): Promise<void>;
  /** The database connection pool's use right now (connections open, idle, callers waiting, the most it opens), when known. */
  poolUse?(): { total: number; idle: number; waiting: number; max: number } | undefined;
}
