import { afterEach, describe, expect, it } from 'vitest';
import { NoetlError } from '../../src/core/errors.js';
import type { Store } from '../helpers/backend.js';
import { testBackend } from '../helpers/backend.js';
import { testStore } from '../helpers/store.js';

// The embedded database has one connection: a query on the store from inside the store's own
// transaction used to wait for that connection forever. It fails at once now; the transaction's
// connection keeps working, and so does the store once the transaction is over.
describe('a query on the store inside its own transaction', () => {
  let store: Store;
  afterEach(async () => store?.close());

  it('fails at once on the embedded backend (instead of hanging), and runs on PostgreSQL', async () => {
    store = await testStore();
    const started = performance.now();
    const outcome = await store
      .transaction(async (tx) => {
        await tx.query('SELECT 1');
        return store.query<{ n: number }>('SELECT 2 AS n');
      })
      .then((r) => r.rows[0].n, (e: unknown) => e);
    if (testBackend() === 'embedded') {
      expect(outcome).toBeInstanceOf(NoetlError);
      expect((outcome as NoetlError).code).toBe('internal');
      expect((outcome as NoetlError).message).toMatch(/from inside its own transaction.*one connection/);
    } else {
      expect(outcome).toBe(2);
    }
    expect(performance.now() - started).toBeLessThan(5_000);
    // The connection went back: the store still answers.
    expect((await store.query<{ n: number }>('SELECT 3 AS n')).rows[0].n).toBe(3);
  });

  it('a nested session fails at once on the embedded backend too', async () => {
    store = await testStore();
    const outcome = await store.session(() => store.session(async (conn) => (await conn.query<{ n: number }>('SELECT 4 AS n')).rows[0].n)).catch((e: unknown) => e);
    if (testBackend() === 'embedded') expect((outcome as NoetlError).code).toBe('internal');
    else expect(outcome).toBe(4);
  });

  it('concurrent queries outside a transaction still wait their turn (not refused)', async () => {
    store = await testStore();
    const results = await Promise.all([
      store.transaction(async (tx) => (await tx.query<{ n: number }>('SELECT 5 AS n')).rows[0].n),
      store.query<{ n: number }>('SELECT 6 AS n').then((r) => r.rows[0].n),
    ]);
    expect(results).toEqual([5, 6]);
  });

  it('a failed statement leaves the store working (the embedded connection is not discarded with it)', async () => {
    store = await testStore();
    await expect(store.query('SELECT 1 / $1::int', [0])).rejects.toThrow(/division by zero/);
    expect((await store.query<{ n: number }>('SELECT 7 AS n')).rows[0].n).toBe(7);
  });
});
