// Execution variables and the credential cache:
// - `noetl vars show` on an execution with 1,000 variables, against `vars show` on an execution
//   with one variable (same process start and database open), on PostgreSQL and embedded PGlite;
// - cache-get throughput on PostgreSQL (getTokenFromCache and a fetchCredentialWithCache hit:
//   an UPDATE … RETURNING that counts the access, then opening the envelope) against a plain
//   primary-key SELECT of the same table, through the same store, in the same run.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fetchCredentialWithCache, getTokenFromCache, migrate, openStore, setVariable, storeTokenInCache } from '../dist/lib.js';
import { fmt, noetl, ratio, serverUrl, tempDir, timeInterleaved, uniqueName } from './lib.mjs';

const BIG = '507431238966182398';
const SMALL = '507431238966182399';
const VARIABLES = 1000;

const dataDir = join(tempDir('noetl-bench-vars-'), 'db');
const schema = uniqueName('bench_vars');
const embedded = { NOETL_DATA_DIR: dataDir };
const server = { NOETL_DATABASE_URL: serverUrl, NOETL_SCHEMA: schema };
const keys = { current: { provider: 'local', kid: 'env:NOETL_ENCRYPTION_KEY', kv: 'v1', key: randomBytes(32) }, previous: [] };

/** One execution with VARIABLES variables of every type (a tenth of them bearer tokens), one with a single variable. */
async function seedVariables(store) {
  for (let i = 0; i < VARIABLES; i++) {
    const name = `var_${String(i).padStart(4, '0')}`;
    if (i % 10 === 0) {
      await setVariable(store, { executionId: BIG, name: `${name}_token`, value: `eyJhbGciOiJIUzI1NiJ9.${randomBytes(300).toString('base64url')}.sig`, type: 'bearer_token', sourceStep: 'get_token' });
    } else {
      await setVariable(store, { executionId: BIG, name, value: { index: i, status: 'success', rows: [i, i + 1, i + 2] }, type: i % 2 ? 'step_result' : 'computed', sourceStep: `step_${i}` });
    }
  }
  await setVariable(store, { executionId: SMALL, name: 'only', value: { status: 'success' }, type: 'computed' });
}

const serverStore = await openStore({ backend: 'postgres', connectionString: serverUrl, schema, source: 'bench' }, { schemaCheck: 'none' });
await migrate(serverStore);
await seedVariables(serverStore);
const embeddedStore = await openStore({ backend: 'embedded', dataDir, schema: 'noetl', source: 'bench' });
await seedVariables(embeddedStore);
await embeddedStore.close();

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
const cacheStore = await openStore({ backend: 'postgres', connectionString: serverUrl, schema, source: 'bench' }, { poolSize: CONCURRENCY });
const load = async (name) => ({ type: 'httpBearerAuth', data: { api_key: `sk-${name}-${randomBytes(24).toString('hex')}` } });
for (let i = 0; i < ENTRIES; i++) {
  await storeTokenInCache(cacheStore, keys, { credentialName: `svc_${i}`, tokenData: { access_token: randomBytes(400).toString('base64url'), token_type: 'Bearer', expires_in: 3600 }, tokenType: 'oauth' });
  await fetchCredentialWithCache(cacheStore, keys, { credentialName: `svc_${i}`, executionId: BIG }, load);
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
  const { rows } = await cacheStore.query('SELECT data_encrypted FROM credential_cache WHERE cache_key = $1', [`svc_${i}:global:oauth`]);
  if (rows.length !== 1) throw new Error('plain SELECT missed');
};
const tokenGet = async (i) => {
  if (!(await getTokenFromCache(cacheStore, keys, `svc_${i}`, 'oauth'))) throw new Error('getTokenFromCache missed');
};
const credentialHit = async (i) => {
  const r = await fetchCredentialWithCache(cacheStore, keys, { credentialName: `svc_${i}`, executionId: BIG }, load);
  if (!r?.hit) throw new Error('fetchCredentialWithCache missed');
};

// Warm up, then alternate the three so load on the machine hits them alike; keep the best round.
for (const op of [plainSelect, tokenGet, credentialHit]) await throughput(op);
const best = [0, 0, 0];
for (let round = 0; round < 3; round++) {
  best[0] = Math.max(best[0], await throughput(plainSelect));
  best[1] = Math.max(best[1], await throughput(tokenGet));
  best[2] = Math.max(best[2], await throughput(credentialHit));
}
await cacheStore.close();
// The bench store drops its own schema: no second client just for that.
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
line(`getTokenFromCache (PostgreSQL, ${CONCURRENCY} callers)`, perSec(best[1]), `${ratio(best[1], best[0])} of baseline (counts the access: a write per get)`);
line(`fetchCredentialWithCache hit (PostgreSQL, ${CONCURRENCY} callers)`, perSec(best[2]), `${ratio(best[2], best[0])} of baseline`);
