// Keychain renewal storm on PostgreSQL: 64 concurrent readers (each on its own connection) of
// one expired auto-renew entry. Figures: token requests per storm (must be 1: one renewal per
// expiry for everyone), and the p95 reader wait as a multiple of one renewal's latency (a lone
// reader renewing the same entry against the same endpoint, measured in the same run).
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { createClient } from '../dist/lib.js';
import { migrate, openStore } from '../dist/sql.js';
import { fmt, percentile, median, serverUrl, uniqueName } from './lib.mjs';

const READERS = 64;
const STORMS = 7;
const ENDPOINT_DELAY_MS = 50;

// The token endpoint: answers after ENDPOINT_DELAY_MS, counts requests.
let requests = 0;
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    requests += 1;
    setTimeout(() => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ access_token: `token-${requests}-${randomBytes(8).toString('hex')}`, token_type: 'Bearer', expires_in: 3600 }));
    }, ENDPOINT_DELAY_MS);
  });
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const endpoint = `http://127.0.0.1:${server.address().port}/token`;

// A clock the bench moves forward to expire the entry between storms.
let offsetMs = 0;
const clock = () => new Date(Date.now() + offsetMs);
const schema = uniqueName('bench_keychain');
// The bench schema is created and migrated (and dropped at the end) through noetl/sql.
const admin = await openStore({ backend: 'postgres', connectionString: serverUrl, schema, source: 'bench' }, { schemaCheck: 'none', poolSize: 1 });
let client;

try {
  await migrate(admin);
  client = await createClient({ databaseUrl: serverUrl, schema, key: randomBytes(32), env: {}, clock, poolSize: READERS + 6 });
  const { catalog_id } = await client.catalog.register({ content: 'kind: Playbook\nmetadata:\n  path: bench/keychain\n' });
  const selector = { scope: 'global', catalog_id };

  /** Stores a fresh entry, then moves the clock past its expiry. */
  async function expiredEntry() {
    await client.keychain.set({
      ...selector,
      name: 'storm',
      data: { access_token: 'old' },
      ttl_seconds: 60,
      auto_renew: true,
      renew_config: { endpoint, data: { grant_type: 'client_credentials', client_id: 'bench', client_secret: 'bench-secret' } },
    });
    offsetMs += 61_000;
  }

  async function timedRead() {
    const start = process.hrtime.bigint();
    const entry = await client.keychain.get('storm', selector, { reveal: true });
    if (entry.status !== 'success') throw new Error(`reader got ${entry.status}`);
    return { ms: Number(process.hrtime.bigint() - start) / 1e6, renewed: entry.renewed };
  }

  // Warm the pool: every connection opened (and its search_path set) before timing.
  await Promise.all(Array.from({ length: READERS }, () => timedRead().catch(() => undefined)));

  // Baseline: one lone reader renewing, several times.
  const lone = [];
  for (let i = 0; i < STORMS; i++) {
    await expiredEntry();
    const read = await timedRead();
    if (!read.renewed) throw new Error('the lone reader did not renew');
    lone.push(read.ms);
  }
  const renewalMs = median(lone);

  const p95s = [];
  const perStorm = [];
  for (let i = 0; i < STORMS; i++) {
    await expiredEntry();
    const before = requests;
    const reads = await Promise.all(Array.from({ length: READERS }, () => timedRead()));
    perStorm.push(requests - before);
    if (reads.filter((r) => r.renewed).length !== 1) throw new Error('expected exactly one reader to renew');
    p95s.push(percentile(reads.map((r) => r.ms), 95));
  }

  // Second baseline: the same 64 readers on a fresh entry (no renewal): what the access-count
  // bump on one row costs them anyway.
  const freshP95s = [];
  for (let i = 0; i < STORMS; i++) {
    const reads = await Promise.all(Array.from({ length: READERS }, () => timedRead()));
    freshP95s.push(percentile(reads.map((r) => r.ms), 95));
  }

  const p95 = median(p95s);
  const freshP95 = median(freshP95s);
  console.log(`one renewal (lone reader, endpoint delay ${ENDPOINT_DELAY_MS} ms): ${fmt(renewalMs)}`);
  console.log(`renewal storm, ${READERS} concurrent readers on PostgreSQL, ${STORMS} storms:`);
  console.log(`  token requests per storm: ${perStorm.join(', ')} (must be 1)`);
  console.log(`  p95 reader wait: ${fmt(p95)} = ${(p95 / renewalMs).toFixed(2)}× one renewal`);
  console.log(`  (${READERS} concurrent reads of a fresh entry, no renewal: p95 ${fmt(freshP95)} = ${(freshP95 / renewalMs).toFixed(2)}× one renewal)`);
  if (perStorm.some((n) => n !== 1)) process.exitCode = 1;
} finally {
  await client?.close();
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
  await admin.close();
  server.close();
}
