import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { NoetlClient } from '../../src/api/index.js';
import type { TokenAuthority } from '../../src/api/tokens.js';
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
 * on 127.0.0.1 over a local client on PostgreSQL, with an admin service token. What the
 * contract suite runs every operation against.
 */
export async function testClient(options: TestStoreOptions & { keys?: KeySet } = {}): Promise<TestClient> {
  const store = await testStore(options);
  const keys = options.keys ?? testKeys();
  const local = createLocalClient({ store, keys: async () => keys });
  if (!overHttp()) return { client: local, store, keys, close: () => local.close() };

  const server = await sharedServer();
  if (server.target) throw new Error('testClient over HTTP: one client at a time per worker (close the previous one first)');
  const [{ localTokenAuthority }, { createHttpClient }] = await Promise.all([import('../../src/backends/local/tokens.js'), import('../../src/backends/http/index.js')]);
  server.target = { client: local, tokens: localTokenAuthority({ store }) };
  const { token } = await local.tokens.create({ name: 'contract-admin', role: 'admin', ttl_seconds: null });
  // No retries: a contract failure shows at once, and nothing here is flaky by design.
  const client = createHttpClient({ serverUrl: server.url, token, retryDelaysMs: [] });
  return {
    client,
    store,
    keys,
    async close() {
      await client.close();
      server.target = undefined;
      await local.close();
    },
  };
}

interface SharedServer {
  url: string;
  /** The client and token authority the server answers with now (this test's). */
  target?: { client: NoetlClient; tokens: TokenAuthority };
}

let shared: Promise<SharedServer> | undefined;

/**
 * One server per test worker, answering over whichever test's client is current: building the
 * app (its route schemas compiled) costs more than half a second, a fresh store per test does not.
 * Routes take their client's groups when registered, so each group forwards to the current one.
 */
function sharedServer(): Promise<SharedServer> {
  shared ??= (async () => {
    const { buildServer } = await import('../../src/server/app.js');
    const state: SharedServer = { url: '' };
    const current = () => {
      if (!state.target) throw new Error('no test client is open');
      return state.target;
    };
    const group = (name: string) =>
      new Proxy({}, { get: (_, method) => (...args: unknown[]) => (current().client as unknown as Record<string, Record<string | symbol, (...a: unknown[]) => unknown>>)[name]![method]!(...args) });
    const client = new Proxy({} as NoetlClient, { get: (_, name) => (typeof name === 'string' && name !== 'then' ? group(name) : undefined) });
    const tokens: TokenAuthority = {
      authenticate: (token) => current().tokens.authenticate(token),
      record: (entry) => current().tokens.record(entry),
      ready: () => current().tokens.ready(),
    };
    const app = buildServer({ client, tokens });
    await app.listen({ host: '127.0.0.1', port: 0 });
    // The worker may exit with it still listening.
    app.server.unref();
    state.url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    return state;
  })();
  return shared;
}
