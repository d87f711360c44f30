/**
 * Service tokens over a database: a token is 32 random bytes (`noetl_` + base64url), shown
 * once; the database keeps its SHA-256 only, so a copy of the database lets no one in. Every
 * change is written to the audit log (who, what, when, from where; never a value).
 */
import { createHash, randomBytes } from 'node:crypto';
import { userInfo } from 'node:os';
import { TOKEN_ROLES, type AuditCaller, type AuditEntry, type ServiceToken, type TokenAuthority, type TokenIdentity, type TokenRole, type TokensApi } from '../../api/tokens.js';
import { conflictError, invalidError, notFoundError, NoetlError } from '../../core/errors.js';
import { MAX_DURATION_SECONDS } from '../../core/duration.js';
import { assertMigrated, loadMigrations, type Migration } from '../sql/migrate.js';
import type { Store } from '../sql/store.js';
import * as sql from '../sql/tokens.js';
import type { LocalClientDeps } from './index.js';

/** Token names: letters, digits, `_ . -`, 1–64 characters, not starting with `.` or `-` (a flag). */
const NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;
const TOKEN_PREFIX = 'noetl_';
/** A token is accepted only in its exact shape: anything else is not looked up at all. */
const TOKEN_PATTERN = /^noetl_[A-Za-z0-9_-]{43}$/;
/** last_used_at is written at most this often per token, not on every request. */
const LAST_USED_RESOLUTION_MS = 60_000;
const DEFAULT_AUDIT_LIMIT = 100;
const MAX_AUDIT_LIMIT = 10_000;

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The SHA-256 a token is stored under, when it has a token's exact shape; undefined otherwise (never looked up). */
export function wellFormedTokenHash(token: string): string | undefined {
  return TOKEN_PATTERN.test(token) ? hashToken(token) : undefined;
}

/** The identity of a live token found at `now`; its last_used_at is written at most once a minute, not on every request. */
export async function identityOfLiveToken(store: Store, row: { name: string; role: string; last_used_at: Date | null }, now: Date): Promise<TokenIdentity> {
  if (!row.last_used_at || now.getTime() - new Date(row.last_used_at).getTime() >= LAST_USED_RESOLUTION_MS) await sql.markTokenUsed(store, row.name, now);
  return { name: row.name, role: row.role as TokenRole };
}

function checkName(name: string): void {
  if (!NAME_PATTERN.test(name)) {
    throw invalidError(`token name '${name.slice(0, 64)}' is not valid: use 1-64 characters of letters, digits, '_', '.' and '-', starting with a letter, digit or '_'`, {
      reason: 'invalid-name',
    });
  }
}

function checkRole(role: string): asserts role is TokenRole {
  if (!(TOKEN_ROLES as readonly string[]).includes(role)) throw invalidError(`token role '${role.slice(0, 32)}' is not one of ${TOKEN_ROLES.join(', ')}`, { reason: 'invalid-role' });
}

/** Who works on a direct database: the operating-system user, from the CLI. */
function localCaller(): AuditCaller {
  try {
    return { actor: `local:${userInfo().username}`, source: 'cli' };
  } catch {
    return { actor: 'local', source: 'cli' };
  }
}

function toServiceToken(row: sql.ServiceTokenRow, now: Date): ServiceToken {
  return {
    name: row.name,
    role: row.role as TokenRole,
    created_at: new Date(row.created_at).toISOString(),
    expires_at: row.expires_at ? new Date(row.expires_at).toISOString() : null,
    last_used_at: row.last_used_at ? new Date(row.last_used_at).toISOString() : null,
    expired: row.expires_at !== null && new Date(row.expires_at).getTime() <= now.getTime(),
  };
}

export function localTokens(deps: Pick<LocalClientDeps, 'store'>): TokensApi {
  const { store } = deps;
  return {
    async create({ name, role, ttl_seconds }, caller = localCaller()) {
      checkName(name);
      checkRole(role);
      if (ttl_seconds !== null && (!Number.isInteger(ttl_seconds) || ttl_seconds <= 0 || ttl_seconds > MAX_DURATION_SECONDS)) {
        throw invalidError(`token TTL must be a whole number of seconds between 1 and ${MAX_DURATION_SECONDS}`, { reason: 'invalid-ttl' });
      }
      const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
      const now = store.now();
      const expiresAt = ttl_seconds === null ? null : new Date(now.getTime() + ttl_seconds * 1000);
      const row = await store.transaction(async (tx) => {
        const inserted = await sql.insertToken(tx, { name, role, tokenSha256: hashToken(token), createdAt: now, expiresAt });
        if (inserted) await sql.insertAudit(tx, { at: now, actor: caller.actor, action: 'token.create', target: name, source: caller.source, outcome: 'ok' });
        return inserted;
      });
      if (!row) throw conflictError(`token '${name}' already exists`, { hint: { command: `token rm ${name}`, text: 'first to replace it' } });
      return { name, role, token, expires_at: expiresAt ? expiresAt.toISOString() : null };
    },

    async list() {
      const now = store.now();
      return (await sql.listTokens(store)).map((row) => toServiceToken(row, now));
    },

    async remove(name, caller = localCaller()) {
      checkName(name);
      const deleted = await store.transaction(async (tx) => {
        if (!(await sql.deleteToken(tx, name))) return false;
        await sql.insertAudit(tx, { at: store.now(), actor: caller.actor, action: 'token.remove', target: name, source: caller.source, outcome: 'ok' });
        return true;
      });
      if (!deleted) throw notFoundError(`token '${name}' not found`, { hint: { command: 'token ls', text: 'to see the tokens' } });
      return { name, deleted: true };
    },

    async audit(options = {}) {
      const limit = options.limit ?? DEFAULT_AUDIT_LIMIT;
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_AUDIT_LIMIT) throw invalidError(`audit limit must be between 1 and ${MAX_AUDIT_LIMIT}`);
      return (await sql.listAudit(store, limit)).map((row) => ({ ...row, at: new Date(row.at).toISOString() }));
    },
  };
}

/** The most audit rows one statement writes. */
const MAX_AUDIT_BATCH = 500;

/**
 * Writes audit rows as a server records them: while one INSERT is in flight the next rows
 * gather and then go in one statement, one commit and one disk flush for all of them (a reveal
 * is audited on every request). Each call resolves once its own row is committed, durably, as
 * a single INSERT would; a failed statement fails every row of it.
 */
function auditWriter(store: Store): (row: Omit<sql.AuditRow, 'id'>) => Promise<void> {
  let waiting: { row: Omit<sql.AuditRow, 'id'>; resolve: () => void; reject: (err: unknown) => void }[] = [];
  let writing = false;
  async function drain(): Promise<void> {
    writing = true;
    while (waiting.length) {
      const batch = waiting.slice(0, MAX_AUDIT_BATCH);
      waiting = waiting.slice(batch.length);
      try {
        await sql.insertAudits(store, batch.map((w) => w.row));
        for (const w of batch) w.resolve();
      } catch (err) {
        for (const w of batch) w.reject(err);
      }
    }
    writing = false;
  }
  return (row) =>
    new Promise<void>((resolve, reject) => {
      waiting.push({ row, resolve, reject });
      if (!writing) void drain();
    });
}

/** Who holds the live token with this SHA-256 at the store's now; undefined when there is none. */
export async function identityOfTokenHash(store: Store, hash: string): Promise<TokenIdentity | undefined> {
  const now = store.now();
  const row = await sql.findLiveToken(store, hash, now);
  return row ? identityOfLiveToken(store, row, now) : undefined;
}

/** The token checks, audit writes and readiness probe of `noetl serve` over its database. */
export function localTokenAuthority(deps: { store: Store }): TokenAuthority {
  const { store } = deps;
  const writeAudit = auditWriter(store);
  // The shipped migrations, read once: a readiness probe every few seconds need not reread them.
  let migrations: Migration[] | undefined;
  return {
    async authenticate(token) {
      const hash = wellFormedTokenHash(token);
      return hash === undefined ? undefined : identityOfTokenHash(store, hash);
    },

    record: (entry: AuditEntry) => writeAudit({ at: store.now(), actor: entry.actor, action: entry.action, target: entry.target ?? null, source: entry.source ?? null, outcome: entry.outcome }),

    poolUse: () => store.poolUse?.(),

    async ready() {
      try {
        await sql.ping(store);
      } catch (err) {
        throw new NoetlError('unavailable', `database ${store.info.location} is not reachable`, { cause: err });
      }
      await assertMigrated(store, (migrations ??= loadMigrations()));
    },
  };
}
