import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { NoetlClient } from '../../src/api/index.js';
import { createLocalClient } from '../../src/backends/local/index.js';
import { masterKey } from '../../src/backends/sql/keys.js';
import type { Store } from '../../src/backends/sql/store.js';
import type { KeySet } from '../../src/core/envelope.js';
import { overHttp } from './backend.js';
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
 * A NoetlClient on a fresh, migrated store of this run's backend: a local client (embedded or
 * PostgreSQL), or with NOETL_TEST_BACKEND=http the HTTP client talking to `noetl serve`'s app
 * listening on 127.0.0.1 (a port the OS chose) over a local client on PostgreSQL, with an
 * admin service token. What the contract suite runs every operation against.
 */
export async function testClient(options: TestStoreOptions & { keys?: KeySet } = {}): Promise<TestClient> {
  const store = await testStore(options);
  const keys = options.keys ?? testKeys();
  const local = createLocalClient({ store, keys: async () => keys });
  if (!overHttp()) return { client: local, store, keys, close: () => local.close() };

  // Loaded only for this run: the other runs need no server.
  const [{ buildServer }, { localTokenAuthority }, { createHttpClient }] = await Promise.all([
    import('../../src/server/app.js'),
    import('../../src/backends/local/tokens.js'),
    import('../../src/backends/http/index.js'),
  ]);
  const { token } = await local.tokens.create({ name: 'contract-admin', role: 'admin', ttl_seconds: null });
  const app = buildServer({ client: local, tokens: localTokenAuthority({ store }) });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  // No retries: a contract failure shows at once, and nothing here is flaky by design.
  const client = createHttpClient({ serverUrl: `http://127.0.0.1:${port}`, token, retryDelaysMs: [] });
  return {
    client,
    store,
    keys,
    async close() {
      await client.close();
      await app.close();
      await local.close();
    },
  };
}
