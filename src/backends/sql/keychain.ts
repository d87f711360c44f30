/**
 * The keychain table (seed 003): rows in, rows out. Sealing, validation and renewal decisions
 * are the local client's (src/backends/local/keychain-entries.ts); this file only reads and
 * writes rows, with ids as strings and timestamps as Dates on both backends.
 */
import type { CacheType, KeychainListEntry, KeychainPurgeResult, KeychainStats } from '../../api/keychain.js';
import { invalidError } from '../../core/errors.js';
import type { ScopeType } from '../../core/scope.js';
import type { Queryable } from './store.js';
import { liveTokenCondition } from './tokens.js';

/** A keychain row as the database returns it (BIGINTs as strings). */
export interface KeychainRow {
  cache_key: string;
  keychain_name: string;
  catalog_id: string;
  credential_type: string;
  cache_type: CacheType;
  scope_type: ScopeType;
  execution_id: string | null;
  parent_execution_id: string | null;
  data_encrypted: string;
  schema: Record<string, unknown> | null;
  expires_at: Date;
  created_at: Date;
  accessed_at: Date;
  access_count: number | null;
  auto_renew: boolean | null;
  renew_config: unknown;
}

/** What an upsert writes: a row without its access tracking (a new write starts at 0 accesses). */
export type KeychainRowInput = Omit<KeychainRow, 'accessed_at' | 'access_count' | 'auto_renew' | 'renew_config'> & {
  auto_renew: boolean;
  /** The sealed renew_config (envelope JSON text), or null. */
  renew_config: string | null;
};

/** Timestamps as Dates and ids as strings on both backends. */
export function normalizeRow(row: KeychainRow): KeychainRow {
  return {
    ...row,
    catalog_id: String(row.catalog_id),
    execution_id: row.execution_id === null ? null : String(row.execution_id),
    parent_execution_id: row.parent_execution_id === null ? null : String(row.parent_execution_id),
    expires_at: new Date(row.expires_at),
    created_at: new Date(row.created_at),
    accessed_at: new Date(row.accessed_at),
    access_count: Number(row.access_count ?? 0),
    auto_renew: Boolean(row.auto_renew),
  };
}

export async function selectKeychainRow(db: Queryable, key: string): Promise<KeychainRow | undefined> {
  const { rows } = await db.query<KeychainRow>('SELECT * FROM keychain WHERE cache_key = $1', [key]);
  return rows[0] ? normalizeRow(rows[0]) : undefined;
}

/**
 * Inserts or replaces the row of `row.cache_key`; accessed_at starts at created_at, access_count
 * at 0 for a new row. An upstream NoETL keychain's CHECK has no 'catalog' scope: such an entry
 * is refused there (`invalid`, reason 'scope-not-in-layout'), never stored under another scope.
 */
export async function upsertKeychainRow(db: Queryable, row: KeychainRowInput): Promise<void> {
  // Asked before the write rather than learnt from a failed INSERT, which would abort the caller's transaction.
  if (row.scope_type === 'catalog' && !(await scopeAllowed(db, row.scope_type))) {
    throw invalidError(
      `this database's keychain (an upstream NoETL layout) has no '${row.scope_type}' scope, so entry '${row.keychain_name}' cannot be stored there: use the global scope (every execution of the playbook) instead`,
      { reason: 'scope-not-in-layout' },
    );
  }
  await db.query(
    `INSERT INTO keychain (cache_key, keychain_name, catalog_id, credential_type, cache_type, scope_type,
                           execution_id, parent_execution_id, data_encrypted, schema, expires_at, created_at,
                           accessed_at, access_count, auto_renew, renew_config)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, 0, $13, $14)
     ON CONFLICT (cache_key) DO UPDATE SET
       credential_type = EXCLUDED.credential_type, cache_type = EXCLUDED.cache_type,
       execution_id = EXCLUDED.execution_id, parent_execution_id = EXCLUDED.parent_execution_id,
       data_encrypted = EXCLUDED.data_encrypted, schema = EXCLUDED.schema, expires_at = EXCLUDED.expires_at,
       created_at = EXCLUDED.created_at, auto_renew = EXCLUDED.auto_renew, renew_config = EXCLUDED.renew_config`,
    [
      row.cache_key,
      row.keychain_name,
      row.catalog_id,
      row.credential_type,
      row.cache_type,
      row.scope_type,
      row.execution_id,
      row.parent_execution_id,
      row.data_encrypted,
      row.schema ? JSON.stringify(row.schema) : null,
      row.expires_at,
      row.created_at,
      row.auto_renew,
      // The envelope is JSON text already: it goes into the JSONB column as it is.
      row.renew_config,
    ],
  );
}

/** Whether the keychain's scope_type CHECK (ours allows 'catalog', upstream's does not) takes `scope`. */
async function scopeAllowed(db: Queryable, scope: string): Promise<boolean> {
  const { rows } = await db.query<{ def: string }>(
    `SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint
     WHERE conrelid = 'keychain'::regclass AND contype = 'c' AND pg_get_constraintdef(oid) LIKE '%scope_type%'`,
  );
  return rows.every((r) => r.def.includes(`'${scope}'`));
}

/**
 * What counting an access writes, for the UPDATE of one row (`$1` its cache key, `$2` now).
 * The touch commits without waiting for its WAL flush (synchronous_commit off for its own
 * transaction only, through set_config in the statement): every reader of an entry updates
 * that one row, and with a flush per commit concurrent readers queue on the row's lock for a
 * disk flush each (~2 ms here: a few hundred reads per second, however many connections).
 * What it writes is access statistics only: no limit is ever enforced from access_count. An
 * asynchronous commit is still atomic, and visible at once to every session and replica; a
 * crash of the PostgreSQL server (not of noetl) within a fraction of a second can lose those
 * last counts, never leave a row half-written or lose another transaction's writes. Run it
 * as a statement of its own, never inside a transaction whose other writes need the flush.
 */
const touch = (increment: string) => `UPDATE keychain SET access_count = COALESCE(access_count, 0) + ${increment}, accessed_at = $2
     FROM (SELECT set_config('synchronous_commit', 'off', true)) AS async_commit`;

/** Counts one access of an unexpired row at `now` and returns it; undefined when it is missing or expired. One statement. */
export async function touchKeychainRow(db: Queryable, key: string, now: Date): Promise<KeychainRow | undefined> {
  const { rows } = await db.query<KeychainRow>(`${touch('1')} WHERE cache_key = $1 AND expires_at > $2 RETURNING keychain.*`, [key, now]);
  return rows[0] ? normalizeRow(rows[0]) : undefined;
}

/** Who a service token is, as touchKeychainRowForTokens finds it. */
export interface TokenCaller {
  name: string;
  role: string;
  last_used_at: Date | null;
}

/**
 * touchKeychainRow for the holders of service tokens reading one entry at once, in one
 * statement: each token (its SHA-256) is checked in the statement that counts the accesses,
 * and the row counts one access per token live at `now`. One answer per token, in order:
 * `caller` undefined for a token that is not live (nothing counted for it), `row` undefined
 * when the entry is missing or expired; each live caller's row carries its own access_count,
 * as if the reads had come one after the other.
 */
export async function touchKeychainRowForTokens(db: Queryable, key: string, now: Date, tokenSha256s: string[]): Promise<{ caller?: TokenCaller; row?: KeychainRow }[]> {
  const { rows } = await db.query<KeychainRow & { callers: { ord: number; name: string; role: string; last_used_at: string | null }[] | null; cache_key: string | null }>(
    `WITH asked AS (SELECT hash, ord FROM unnest($3::text[]) WITH ORDINALITY AS a(hash, ord)),
          callers AS (SELECT asked.ord, service_token.name, service_token.role, service_token.last_used_at
                      FROM asked JOIN service_token ON ${liveTokenCondition('asked.hash', '$2')}),
          touched AS (${touch('(SELECT count(*) FROM callers)')} WHERE cache_key = $1 AND expires_at > $2 AND EXISTS (SELECT 1 FROM callers) RETURNING keychain.*)
     SELECT (SELECT json_agg(json_build_object('ord', ord, 'name', name, 'role', role, 'last_used_at', last_used_at) ORDER BY ord) FROM callers) AS callers, touched.*
     FROM (VALUES (1)) AS one (x) LEFT JOIN touched ON true`,
    [key, now, tokenSha256s],
  );
  const { callers, ...found } = rows[0];
  const live = callers ?? [];
  const rankOf = new Map(live.map((c, rank) => [Number(c.ord), rank]));
  const touched = found.cache_key === null ? undefined : normalizeRow(found as KeychainRow);
  const first = touched ? Number(touched.access_count) - live.length + 1 : 0;
  return tokenSha256s.map((_hash, i) => {
    const rank = rankOf.get(i + 1);
    if (rank === undefined) return {};
    const c = live[rank];
    return {
      caller: { name: c.name, role: c.role, last_used_at: c.last_used_at === null ? null : new Date(c.last_used_at) },
      row: touched && { ...touched, access_count: first + rank },
    };
  });
}

/** Stores a renewed token: new sealed data, issued now, expiring at `expiresAt`. Undefined when the row is gone. */
export async function updateRenewedRow(db: Queryable, key: string, dataEncrypted: string, now: Date, expiresAt: Date): Promise<KeychainRow | undefined> {
  const { rows } = await db.query<KeychainRow>(
    `UPDATE keychain SET data_encrypted = $2, created_at = $3, expires_at = $4 WHERE cache_key = $1 RETURNING *`,
    [key, dataEncrypted, now, expiresAt],
  );
  return rows[0] ? normalizeRow(rows[0]) : undefined;
}

/** Deletes the row of `key`; true when there was one. */
export async function deleteKeychainRow(db: Queryable, key: string): Promise<boolean> {
  const { rowCount } = await db.query('DELETE FROM keychain WHERE cache_key = $1', [key]);
  return rowCount > 0;
}

export interface KeychainRowFilter {
  catalogId?: string;
  scope?: ScopeType;
  /** Entries of this execution: its local entries and the shared entries it created or roots. */
  executionId?: string;
  /** true: only expired; false: only unexpired. */
  expired?: boolean;
  name?: string;
}

/** Entries as listed (never data or renew_config), by name then cache key. */
export async function listKeychainEntries(db: Queryable, filter: KeychainRowFilter, now: Date): Promise<KeychainListEntry[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: (p: string) => string, value: unknown) => {
    params.push(value);
    where.push(sql(`$${params.length}`));
  };
  if (filter.catalogId !== undefined) add((p) => `catalog_id = ${p}`, filter.catalogId);
  if (filter.scope) add((p) => `scope_type = ${p}`, filter.scope);
  if (filter.executionId !== undefined) add((p) => `(execution_id = ${p} OR parent_execution_id = ${p})`, filter.executionId);
  if (filter.name) add((p) => `keychain_name = ${p}`, filter.name);
  if (filter.expired !== undefined) add((p) => (filter.expired ? `expires_at <= ${p}` : `expires_at > ${p}`), now);
  const { rows } = await db.query<KeychainRow>(
    `SELECT cache_key, keychain_name, catalog_id, credential_type, cache_type, scope_type, execution_id,
            parent_execution_id, expires_at, created_at, accessed_at, access_count, auto_renew
     FROM keychain ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY keychain_name, cache_key`,
    params,
  );
  return rows.map((raw) => {
    const r = normalizeRow(raw);
    return {
      keychain_name: r.keychain_name,
      cache_key: r.cache_key,
      catalog_id: r.catalog_id,
      scope_type: r.scope_type,
      execution_id: r.execution_id,
      parent_execution_id: r.parent_execution_id,
      credential_type: r.credential_type,
      cache_type: r.cache_type,
      expires_at: r.expires_at.toISOString(),
      expired: r.expires_at.getTime() <= now.getTime(),
      auto_renew: Boolean(r.auto_renew),
      access_count: Number(r.access_count ?? 0),
      accessed_at: r.accessed_at.toISOString(),
      created_at: r.created_at.toISOString(),
    };
  });
}

export async function keychainStats(db: Queryable, now: Date): Promise<KeychainStats> {
  const hour = new Date(now.getTime() + 3600_000);
  const { rows } = await db.query<Record<string, string | number | Date | null>>(
    `SELECT COUNT(*)::int AS total,
            COUNT(*) FILTER (WHERE expires_at <= $1)::int AS expired,
            COUNT(*) FILTER (WHERE auto_renew)::int AS auto_renew,
            COUNT(*) FILTER (WHERE auto_renew AND expires_at <= $2)::int AS renew_due,
            COUNT(*) FILTER (WHERE scope_type = 'global')::int AS s_global,
            COUNT(*) FILTER (WHERE scope_type = 'catalog')::int AS s_catalog,
            COUNT(*) FILTER (WHERE scope_type = 'local')::int AS s_local,
            COUNT(*) FILTER (WHERE scope_type = 'shared')::int AS s_shared,
            COALESCE(SUM(access_count), 0)::bigint AS accesses,
            COUNT(DISTINCT catalog_id)::int AS catalogs,
            MIN(expires_at) AS oldest,
            MIN(expires_at) FILTER (WHERE expires_at > $1) AS next
     FROM keychain`,
    [now, hour],
  );
  const r = rows[0];
  const iso = (v: unknown) => (v ? new Date(v as string).toISOString() : null);
  return {
    total: Number(r.total),
    expired: Number(r.expired),
    auto_renew: Number(r.auto_renew),
    renew_due_within_1h: Number(r.renew_due),
    by_scope: { global: Number(r.s_global), catalog: Number(r.s_catalog), local: Number(r.s_local), shared: Number(r.s_shared) },
    total_accesses: Number(r.accesses),
    catalogs: Number(r.catalogs),
    oldest_expiry: iso(r.oldest),
    next_expiry: iso(r.next),
  };
}

export interface PurgeRowsOptions {
  /** Delete rows that expired at or before this time. */
  cutoff: Date;
  /** Also delete expired auto-renew rows. */
  includeAutoRenew: boolean;
  batchSize: number;
  /** Called after each batch with the running total. */
  onProgress?: (deleted: number) => void;
}

/** Deletes expired rows in batches, each its own statement, so a long purge never holds one big lock. */
export async function purgeExpiredKeychain(db: Queryable, options: PurgeRowsOptions): Promise<KeychainPurgeResult> {
  const renewFilter = options.includeAutoRenew ? '' : 'AND NOT COALESCE(auto_renew, false)';
  let deleted = 0;
  let batches = 0;
  for (;;) {
    const { rowCount } = await db.query(
      `DELETE FROM keychain WHERE cache_key IN (
         SELECT cache_key FROM keychain WHERE expires_at <= $1 ${renewFilter} LIMIT $2)`,
      [options.cutoff, options.batchSize],
    );
    if (rowCount === 0) break;
    deleted += rowCount;
    batches += 1;
    options.onProgress?.(deleted);
    if (rowCount < options.batchSize) break;
  }
  const { rows } = await db.query<{ n: number }>('SELECT COUNT(*)::int AS n FROM keychain WHERE expires_at <= $1 AND COALESCE(auto_renew, false)', [
    options.cutoff,
  ]);
  return { deleted, batches, kept_auto_renew: options.includeAutoRenew ? 0 : Number(rows[0].n) };
}
