import { randomBytes } from 'node:crypto';
import type { NoetlClient } from '../../src/api/index.js';
import { createLocalClient } from '../../src/backends/local/index.js';
import { masterKey } from '../../src/backends/sql/keys.js';
import type { Store } from '../../src/backends/sql/store.js';
import type { KeySet } from '../../src/core/envelope.js';
import { testStore, type TestStoreOptions } from './store.js';

export interface TestClient {
  client: NoetlClient;
  /** The store under the client, for tests that look at rows directly. */
  store: Store;
  keys: KeySet;
  close(): Promise<void>;
}

/** A fresh key set with one random master key. */
export function testKeys(): KeySet {
  return { current: masterKey(randomBytes(32), 'test-key'), previous: [] };
}

/**
 * A local NoetlClient on a fresh, migrated store of this run's backend (embedded or PostgreSQL):
 * what the contract suite runs every operation against.
 */
export async function testClient(options: TestStoreOptions & { keys?: KeySet } = {}): Promise<TestClient> {
  const store = await testStore(options);
  const keys = options.keys ?? testKeys();
  const client = createLocalClient({ store, keys: async () => keys });
  return { client, store, keys, close: () => client.close() };
}
