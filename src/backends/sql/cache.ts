/**
 * The credential_cache table: rows in, rows out. Data arrives sealed and leaves sealed; keys,
 * lifetimes and opening are decided in src/core/cache.ts and src/backends/local/cache.ts.
 */
import type { CacheScope, CacheType } from '../../core/cache.js';
import type { Queryable, Store } from './store.js';

export interface LiveEntryRow {
  data_encrypted: string;
  credential_type: string;
  cache_type: CacheType;
  expires_at: Date;
}

/**
 * A live entry by key, counting the access (access_count + 1, accessed_at = now) in the same
 * statement; undefined when there is none or it has expired at `now`.
 */
export async function touchLiveEntry(db: Queryable, cacheKey: string, now: Date): Promise<LiveEntryRow | undefined> {
  const { rows } = await db.query<LiveEntryRow>(
    `UPDATE credential_cache SET access_count = COALESCE(access_count, 0) + 1, accessed_at = $2
     WHERE cache_key = $1 AND expires_at > $2
     RETURNING data_encrypted, credential_type, cache_type, expires_at`,
    [cacheKey, now],
  );
  return rows[0];
}

/** The identity columns of an entry (as listed). */
export type CacheEntryIdentity = Pick<CacheEntry, 'cacheKey' | 'credentialName' | 'credentialType' | 'cacheType' | 'scope' | 'executionId' | 'parentExecutionId'>;

export type CacheUpsert = CacheEntryIdentity & {
  /** The sealed value. */
  dataEncrypted: string;
  expiresAt: Date;
  now: Date;
};

/** Inserts or replaces an entry by key, its access count reset. */
export async function upsertCacheEntry(db: Queryable, row: CacheUpsert): Promise<void> {
  await db.query(
    `INSERT INTO credential_cache (cache_key, credential_name, credential_type, cache_type, scope_type, execution_id,
       parent_execution_id, data_encrypted, expires_at, created_at, accessed_at, access_count)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, 0)
     ON CONFLICT (cache_key) DO UPDATE SET credential_name = EXCLUDED.credential_name, credential_type = EXCLUDED.credential_type,
       cache_type = EXCLUDED.cache_type, scope_type = EXCLUDED.scope_type, execution_id = EXCLUDED.execution_id,
       parent_execution_id = EXCLUDED.parent_execution_id, data_encrypted = EXCLUDED.data_encrypted,
       expires_at = EXCLUDED.expires_at, created_at = EXCLUDED.created_at, accessed_at = EXCLUDED.accessed_at, access_count = 0`,
    [row.cacheKey, row.credentialName, row.credentialType, row.cacheType, row.scope, row.executionId, row.parentExecutionId, row.dataEncrypted, row.expiresAt, row.now],
  );
}

/** Removes an execution's entries and every entry whose parent_execution_id is that execution; how many. */
export async function deleteExecutionEntries(db: Queryable, executionId: string): Promise<number> {
  const { rowCount } = await db.query('DELETE FROM credential_cache WHERE execution_id = $1 OR parent_execution_id = $1', [executionId]);
  return rowCount;
}

/** Removes every entry expired at `now`; how many. */
export async function deleteExpiredEntries(db: Queryable, now: Date): Promise<number> {
  const { rowCount } = await db.query('DELETE FROM credential_cache WHERE expires_at <= $1', [now]);
  return rowCount;
}

/** A cache entry without its data. */
export interface CacheEntry {
  cacheKey: string;
  credentialName: string;
  credentialType: string;
  cacheType: CacheType;
  scope: CacheScope;
  executionId: string | null;
  parentExecutionId: string | null;
  expiresAt: Date;
  createdAt: Date;
  accessedAt: Date;
  accessCount: number;
  expired: boolean;
}

export interface CacheEntryFilter {
  scope?: CacheScope;
  /** Entries of this execution and of its children (parent_execution_id = it). */
  executionId?: string;
  /** Only entries expired at `now`. */
  expired?: boolean;
}

interface EntryRow {
  cache_key: string;
  credential_name: string;
  credential_type: string;
  cache_type: CacheType;
  scope_type: CacheScope;
  execution_id: string | null;
  parent_execution_id: string | null;
  expires_at: Date;
  created_at: Date;
  accessed_at: Date;
  access_count: number | null;
}

export async function selectCacheEntries(db: Queryable, filter: CacheEntryFilter, now: Date): Promise<CacheEntry[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.scope) {
    params.push(filter.scope);
    where.push(`scope_type = $${params.length}`);
  }
  if (filter.executionId !== undefined) {
    params.push(filter.executionId);
    where.push(`(execution_id = $${params.length} OR parent_execution_id = $${params.length})`);
  }
  if (filter.expired) {
    params.push(now);
    where.push(`expires_at <= $${params.length}`);
  }
  const { rows } = await db.query<EntryRow>(
    `SELECT cache_key, credential_name, credential_type, cache_type, scope_type, execution_id, parent_execution_id,
            expires_at, created_at, accessed_at, access_count
     FROM credential_cache ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY scope_type, credential_name, cache_key`,
    params,
  );
  return rows.map((r) => ({
    cacheKey: r.cache_key,
    credentialName: r.credential_name,
    credentialType: r.credential_type,
    cacheType: r.cache_type,
    scope: r.scope_type,
    executionId: r.execution_id === null ? null : String(r.execution_id),
    parentExecutionId: r.parent_execution_id === null ? null : String(r.parent_execution_id),
    expiresAt: r.expires_at,
    createdAt: r.created_at,
    accessedAt: r.accessed_at,
    accessCount: r.access_count ?? 0,
    expired: r.expires_at.getTime() <= now.getTime(),
  }));
}

/** Seed 004's three monitoring queries, as one report. */
export interface CacheStatsRows {
  /** "Cache hit rate by credential", most accessed first. */
  byCredential: { credentialName: string; cacheType: CacheType; scope: CacheScope; entries: number; totalAccesses: number; avgAccesses: number }[];
  /** "Expired entries awaiting cleanup". */
  expiredEntries: number;
  /** "Active execution-scoped entries", per execution and parent. */
  executions: { executionId: string | null; parentExecutionId: string | null; cachedCredentials: number }[];
}

export async function cacheStats(store: Store): Promise<CacheStatsRows> {
  const byCredential = await store.query<{
    credential_name: string;
    cache_type: CacheType;
    scope_type: CacheScope;
    entries: string;
    total_accesses: string | null;
    avg_accesses: string | null;
  }>(
    `SELECT credential_name, cache_type, scope_type, COUNT(*) AS entries,
            SUM(access_count) AS total_accesses, AVG(access_count) AS avg_accesses
     FROM credential_cache GROUP BY credential_name, cache_type, scope_type
     ORDER BY total_accesses DESC NULLS LAST, credential_name, cache_type, scope_type`,
  );
  const expired = await store.query<{ expired_entries: string }>('SELECT COUNT(*) AS expired_entries FROM credential_cache WHERE expires_at < $1', [store.now()]);
  const executions = await store.query<{ execution_id: string | null; parent_execution_id: string | null; cached_credentials: string }>(
    `SELECT execution_id, parent_execution_id, COUNT(*) AS cached_credentials
     FROM credential_cache WHERE scope_type = 'execution'
     GROUP BY execution_id, parent_execution_id ORDER BY execution_id, parent_execution_id`,
  );
  return {
    byCredential: byCredential.rows.map((r) => ({
      credentialName: r.credential_name,
      cacheType: r.cache_type,
      scope: r.scope_type,
      entries: Number(r.entries),
      totalAccesses: Number(r.total_accesses ?? 0),
      avgAccesses: Math.round(Number(r.avg_accesses ?? 0) * 100) / 100,
    })),
    expiredEntries: Number(expired.rows[0].expired_entries),
    executions: executions.rows.map((r) => ({
      executionId: r.execution_id === null ? null : String(r.execution_id),
      parentExecutionId: r.parent_execution_id === null ? null : String(r.parent_execution_id),
      cachedCredentials: Number(r.cached_credentials),
    })),
  };
}
