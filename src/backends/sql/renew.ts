/**
 * Single-flight renewal through PostgreSQL advisory locks: one renewer per entry across every
 * process and connection. The renewer holds the entry's lock while it works; concurrent
 * callers wait on the same lock in shared mode (so they are all released together), then read
 * the renewer's result. What renewing means is the caller's (src/backends/local/renew/renew.ts).
 */
import type { Queryable, Store } from './store.js';

const lockKey = (schema: string, cacheKey: string) => `noetl.keychain.renew:${schema}:${cacheKey}`;

export interface RenewLockHandlers<T> {
  /** Runs holding the entry's lock (on the connection that holds it). */
  holder(conn: Queryable): Promise<T>;
  /** Runs after another renewer released the lock. */
  waiter(conn: Queryable): Promise<T>;
}

/** Runs `holder` under the entry's advisory lock, or, when someone holds it, waits for them and runs `waiter`. */
export async function withRenewLock<T>(store: Store, cacheKey: string, handlers: RenewLockHandlers<T>): Promise<T> {
  const lock = lockKey(store.info.schema, cacheKey);
  if (store.singleFlight) return store.singleFlight(lock, () => store.session(handlers.holder), () => store.session(handlers.waiter));
  return store.session(async (conn) => {
    const { rows } = await conn.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [lock]);
    if (!rows[0].ok) {
      await conn.query('SELECT pg_advisory_lock_shared(hashtext($1))', [lock]);
      await conn.query('SELECT pg_advisory_unlock_shared(hashtext($1))', [lock]);
      return handlers.waiter(conn);
    }
    try {
      return await handlers.holder(conn);
    } finally {
      await conn.query('SELECT pg_advisory_unlock(hashtext($1))', [lock]);
    }
  });
}
