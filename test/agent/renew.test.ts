// Renewal through the agent: two stores on one data directory (two commands) share the agent.
// A renewal waiting on a slow token endpoint holds nothing the other command needs, and
// concurrent renewals from both still send exactly one token request (single flight by lock
// file: the agent's clients share one database session, so advisory locks cannot do it).
import type { KeychainSuccess } from '../../src/api/keychain.js';
import { stopAgentOf } from '../../src/agent/client.js';
import { getKeychainEntry, setKeychainEntry } from '../../src/backends/local/keychain-entries.js';
import { openStore } from '../../src/backends/sql/connect.js';
import { afterAll, describe, expect, it } from 'vitest';
import { freshDataDir } from '../helpers/backend.js';
import { fakeClock } from '../helpers/store.js';
import { registerTestPlaybook, startTokenServer, testKeys } from '../keychain/fixtures.js';

const OLD = { access_token: 'old-token', token_type: 'Bearer', expires_in: 600 };
let dataDir: string | undefined;

afterAll(async () => {
  if (dataDir) await stopAgentOf(dataDir);
}, 30_000);

describe('renewal through the agent', () => {
  it('does not make another command wait, and sends one token request for two commands', async () => {
    dataDir = await freshDataDir();
    const server = await startTokenServer({ delayMs: 1500 });
    const clock = fakeClock();
    const config = { backend: 'embedded' as const, dataDir, schema: 'noetl', source: 'test', agent: { idleMs: 60_000 } };
    const [one, two] = [await openStore(config, { clock, poolSize: 20 }), await openStore(config, { clock, poolSize: 20 })];
    const keys = testKeys();
    try {
      expect(one.info).toMatchObject({ backend: 'embedded', location: dataDir });
      expect(one.singleFlight).toBeTypeOf('function');
      const catalogId = await registerTestPlaybook(one);
      const ref = { scope: 'global' as const, catalogId };
      await setKeychainEntry(one, keys, { name: 'storm', ref, data: OLD, ttlSeconds: 60, autoRenew: true, renewConfig: { endpoint: server.url, data: { grant_type: 'client_credentials' } } });
      clock.advance(61_000);

      const readers = [...Array.from({ length: 10 }, () => getKeychainEntry(one, keys, 'storm', ref)), ...Array.from({ length: 10 }, () => getKeychainEntry(two, keys, 'storm', ref))];
      let renewed = false;
      void Promise.all(readers).then(() => (renewed = true));
      while (server.requests() === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      // The token request is in flight: the other command reads and writes meanwhile.
      await two.transaction(async (tx) => {
        await tx.query('CREATE TABLE meanwhile (n int)');
        await tx.query('INSERT INTO meanwhile VALUES (1)');
      });
      const { rows } = await two.query<{ n: number }>('SELECT count(*)::int AS n FROM meanwhile');
      expect(rows[0].n).toBe(1);
      expect(renewed).toBe(false);

      const results = await Promise.all(readers);
      expect(server.requests()).toBe(1);
      expect(new Set(results.map((r) => (r.response as KeychainSuccess).token_data.access_token))).toEqual(new Set([expect.stringMatching(/^token-1-/)]));
      expect(results.filter((r) => (r.response as KeychainSuccess).renewed)).toHaveLength(1);
    } finally {
      await one.close();
      await two.close();
      await server.stop();
    }
  });
});
