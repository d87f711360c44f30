// Execution variables and the credential cache:
// - `noetl vars show` on an execution with 1,000 variables, against `vars show` on an execution
//   with one variable (same process start and database open), on PostgreSQL and embedded PGlite;
// - cache-get throughput on PostgreSQL (client.cache.getToken and a client.cache.fetchCredential
//   hit: an UPDATE … RETURNING that counts the access, then opening the envelope) against a plain
//   primary-key SELECT of the same table (noetl/sql's store, the same pool size), in the same run.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createClient } from '../dist/lib.js';
import { migrate, openStore } from '../dist/sql.js';
import { fmt, noetl, ratio, serverUrl, tempDir, timeInterleaved, uniqueName } from './lib.mjs';

const BIG = '507431238966182398';
const SMALL = '507431238966182399';
const VARIABLES = 1000;

const dataDir = join(tempDir('noetl-bench-vars-'), 'db');
const schema = uniqueName('bench_vars');
const embedded = { NOETL_DATA_DIR: dataDir };
const server = { NOETL_DATABASE_URL: serverUrl, NOETL_SCHEMA: schema };
const key = randomBytes(32);

/** One execution with VARIABLES variables of every type (a tenth of them bearer tokens), one with a single variable. */
async function seedVariables(client) {
  for (let i = 0; i < VARIABLES; i++) {
    const name = `var_${String(i).padStart(4, '0')}`;
    if (i % 10 === 0) {
      await client.vars.set({ execution_id: BIG, name: `${name}_token`, value: `eyJhbGciOiJIUzI1NiJ9.${randomBytes(300).toString('base64url')}.sig`, type: 'bearer_token', source_step: 'get_token' });
    } else {
      await client.vars.set({ execution_id: BIG, name, value: { index: i, status: 'success', rows: [i, i + 1, i + 2] }, type: i % 2 ? 'step_result' : 'computed', source_step: `step_${i}` });
    }
  }
  await client.vars.set({ execution_id: SMALL, name: 'only', value: { status: 'success' }, type: 'computed' });
}

// The bench schema is created and migrated (and dropped at the end) through noetl/sql.
const serverStore = await openStore({ backend: 'postgres', connectionString: serverUrl, schema, source: 'bench' }, { schemaCheck: 'none', poolSize: 1 });
await migrate(serverStore);
const serverClient = await createClient({ databaseUrl: serverUrl, schema, key, env: {} });
await seedVariables(serverClient);
await serverClient.close();
const embeddedClient = await createClient({ dataDir, schema: 'noetl', key, env: {} });
await seedVariables(embeddedClient);
await embeddedClient.close();

const [pgSmall, pgBig, pgBigJson, emSmall, emBig] = timeInterleaved(
  [
    { cmd: process.execPath, args: [noetl, 'vars', 'show', SMALL], env: server },
    { cmd: process.execPath, args: [noetl, 'vars', 'show', BIG], env: server },
    { cmd: process.execPath, args: [noetl, 'vars', 'show', BIG, '-o', 'json'], env: server },
    { cmd: process.execPath, args: [noetl, 'vars', 'show', SMALL], env: embedded },
    { cmd: process.execPath, args: [noetl, 'vars', 'show', BIG], env: embedded },
  ],
  10,
  2,
);

// Cache gets: a pool of 8 connections, 8 callers at a time, for a fixed number of operations.
const ENTRIES = 1000;
const OPS = 4000;
const CONCURRENCY = 8;
const client = await createClient({ databaseUrl: serverUrl, schema, key, env: {}, poolSize: CONCURRENCY });
const plainStore = await openStore({ backend: 'postgres', connectionString: serverUrl, schema, source: 'bench' }, { poolSize: CONCURRENCY });
for (let i = 0; i < ENTRIES; i++) {
  await client.credentials.add({ name: `svc_${i}`, type: 'httpBearerAuth', data: { api_key: `sk-svc_${i}-${randomBytes(24).toString('hex')}` } });
  await client.cache.storeToken({ credential_name: `svc_${i}`, token_data: { access_token: randomBytes(400).toString('base64url'), token_type: 'Bearer', expires_in: 3600 }, token_type: 'oauth' });
  await client.cache.fetchCredential({ credential_name: `svc_${i}`, execution_id: BIG });
}

async function throughput(op) {
  let next = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < OPS) await op(next++ % ENTRIES);
    }),
  );
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return OPS / seconds;
}

const plainSelect = async (i) => {
  const { rows } = await plainStore.query('SELECT data_encrypted FROM credential_cache WHERE cache_key = $1', [`svc_${i}:global:oauth`]);
  if (rows.length !== 1) throw new Error('plain SELECT missed');
};
const tokenGet = async (i) => {
  if (!(await client.cache.getToken(`svc_${i}`, 'oauth', { reveal: true }))) throw new Error('cache.getToken missed');
};
const credentialHit = async (i) => {
  const r = await client.cache.fetchCredential({ credential_name: `svc_${i}`, execution_id: BIG, reveal: true });
  if (!r.hit) throw new Error('cache.fetchCredential missed');
};

// Warm up, then alternate the three so load on the machine hits them alike; keep the best round.
for (const op of [plainSelect, tokenGet, credentialHit]) await throughput(op);
const best = [0, 0, 0];
for (let round = 0; round < 3; round++) {
  best[0] = Math.max(best[0], await throughput(plainSelect));
  best[1] = Math.max(best[1], await throughput(tokenGet));
  best[2] = Math.max(best[2], await throughput(credentialHit));
}
await client.close();
await plainStore.close();
await serverStore.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
await serverStore.close();

const perSec = (n) => `${Math.round(n).toLocaleString('en-US')} ops/s`;
const line = (label, value, note) => console.log(`${label.padEnd(58)}${value.padEnd(14)}${note}`);
line('vars show, 1 variable (PostgreSQL)', fmt(pgSmall), 'baseline');
line(`vars show, ${VARIABLES} variables (PostgreSQL)`, fmt(pgBig), ratio(pgBig, pgSmall));
line(`vars show -o json, ${VARIABLES} variables (PostgreSQL)`, fmt(pgBigJson), ratio(pgBigJson, pgSmall));
line('vars show, 1 variable (embedded PGlite)', fmt(emSmall), 'baseline');
line(`vars show, ${VARIABLES} variables (embedded PGlite)`, fmt(emBig), ratio(emBig, emSmall));
line(`plain primary-key SELECT (PostgreSQL, ${CONCURRENCY} callers)`, perSec(best[0]), 'baseline');
line(`cache.getToken (PostgreSQL, ${CONCURRENCY} callers)`, perSec(best[1]), `${ratio(best[1], best[0])} of baseline (counts the access: a write per get)`);
line(`cache.fetchCredential hit (PostgreSQL, ${CONCURRENCY} callers)`, perSec(best[2]), `${ratio(best[2], best[0])} of baseline`);
