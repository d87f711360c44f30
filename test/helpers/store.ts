import { openStore } from '../../src/backends/sql/connect.js';
import type { Store } from '../../src/backends/sql/store.js';
import { dropSchema, freshSchema, testBackend, testDatabaseUrl } from './backend.js';
import { pooledEmbeddedStore } from './embedded-pool.js';

export interface TestStoreOptions {
  clock?: () => Date;
  /** PostgreSQL connections in the pool (the embedded backend always has one). */
  poolSize?: number;
}

/** A controllable clock for expiry tests: starts at `start`, moves only when told. */
export function fakeClock(start = new Date('2026-01-01T00:00:00Z')) {
  let now = start.getTime();
  const clock = () => new Date(now);
  return Object.assign(clock, {
    advance(ms: number) {
      now += ms;
    },
    set(date: Date) {
      now = date.getTime();
    },
  });
}

/**
 * Opens a fresh, migrated store on this run's backend, isolated from every other test:
 * an embedded database as the migrated template left it (embedded-pool.ts: reused, reset by
 * close()) or a new schema (PostgreSQL, which close() drops).
 */
export async function testStore(options: TestStoreOptions = {}): Promise<Store> {
  if (testBackend() === 'embedded') return pooledEmbeddedStore(options.clock);
  const schema = await freshSchema();
  const store = await openStore(
    { backend: 'postgres', connectionString: testDatabaseUrl(), schema, source: 'test' },
    { clock: options.clock, poolSize: options.poolSize },
  );
  return withCleanup(store, () => dropSchema(schema));
}

function withCleanup(store: Store, cleanup: () => Promise<void>): Store {
  const close = store.close.bind(store);
  let closed = false;
  store.close = async () => {
    if (closed) return;
    closed = true;
    await close();
    await cleanup();
  };
  return store;
}
