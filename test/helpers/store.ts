import type { Store } from '../../src/backends/sql/store.js';
import { pooledStore } from './database-pool.js';

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
 * Opens a fresh, migrated store on this run's backend, isolated from every other test: a database
 * (embedded) or schema (PostgreSQL) as the migrations left it, which close() puts back that way for
 * the next test of this worker (database-pool.ts).
 */
export function testStore(options: TestStoreOptions = {}): Promise<Store> {
  return pooledStore(options);
}
