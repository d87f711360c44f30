// `noetl serve` on PostgreSQL (issue 14), every figure against a baseline measured in the same run:
// - GET /api/keychain/{catalog_id}/{name} with 32 connections (autocannon) against a bare
//   node:http + pg server doing only the same primary-key SELECT: requests/s ratio (goal ≥ 0.6×)
//   and p99 (goal ≤ 25 ms), for a reader token (masked) and a revealer token (clear, audited);
// - `noetl credential ls` over HTTP against `node -e ''` (goal ≤ 1.5×: no pg, no PGlite);
// - the server's RSS after 100k requests against its RSS after 1k (goal ≤ 1.2×).
//   NOETL_BENCH_SECONDS (5) per timed run, NOETL_BENCH_REQUESTS (100000) for the memory figure.
// Both servers are child processes on 127.0.0.1 (a free port), over a fresh database that is
// dropped at the end; this process only generates the load.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { createClient } from '../dist/lib.js';
import { migrate, openStore } from '../dist/sql.js';
import { benchDatabase, fmt, median, noetl, root, tempDir, timePaired } from './lib.mjs';

const CONNECTIONS = 32;
const SECONDS = Number(process.env.NOETL_BENCH_SECONDS ?? 5);
const ROUNDS = 3;
/** Requests between the two RSS readings (NOETL_BENCH_REQUESTS: fewer on a machine too loaded for 100k in minutes). */
const MANY = Number(process.env.NOETL_BENCH_REQUESTS ?? 100_000);

const database = await benchDatabase('bench_serve');
const databaseUrl = database.url;

const children = [];
const dir = tempDir('noetl-bench-serve-');
const key = randomBytes(32);
const env = { ...process.env, NOETL_DATABASE_URL: databaseUrl, NOETL_ENCRYPTION_KEY: key.toString('base64'), NOETL_KEYRING: 'off', HOME: dir, XDG_CONFIG_HOME: join(dir, 'config') };

/** Starts a child process that prints its URL (the first line matching `pattern`), and returns it with the URL. */
function startServer(args, childEnv, pattern) {
  const child = spawn(process.execPath, args, { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk) => {
      seen += chunk;
      const m = pattern.exec(seen);
      if (m) resolve({ child, url: m[1] });
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', onData);
    child.on('exit', (code) => reject(new Error(`${args.slice(0, 2).join(' ')} exited ${code}: ${seen}`)));
  });
}

/** Waits until GET /health answers (the server is listening). */
async function waitForHealth(base) {
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(`${base}/health`)).ok) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${base}/health never answered`);
}

/** Resident set size of a process, in MiB (Linux). */
function rssMiB(pid) {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  return Number(line.split(/\s+/)[1]) / 1024;
}

function load(target, token, options) {
  return autocannon({ url: target, connections: CONNECTIONS, headers: token ? { authorization: `Bearer ${token}` } : {}, ...options });
}

/** The baseline: node:http and pg, one primary-key SELECT per request, the row as JSON. */
const BASELINE = `
const http = require('node:http');
const pg = require(${JSON.stringify(join(root, 'node_modules', 'pg'))});
const pool = new pg.Pool({ connectionString: process.env.NOETL_DATABASE_URL, max: 10, options: '-c search_path=noetl' });
const server = http.createServer(async (req, res) => {
  const key = decodeURIComponent(req.url.split('/').pop());
  try {
    const { rows } = await pool.query('SELECT * FROM keychain WHERE cache_key = $1', [key]);
    res.writeHead(rows.length ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(rows[0] ?? { status: 'not_found' }));
  } catch (err) {
    res.writeHead(500);
    res.end(String(err));
  }
});
server.listen(0, '127.0.0.1', () => console.log('listening http://127.0.0.1:' + server.address().port));
`;

try {
  const store = await openStore({ backend: 'postgres', connectionString: databaseUrl, schema: 'noetl', source: 'bench' }, { schemaCheck: 'none', poolSize: 1 });
  await migrate(store);
  await store.close();
  const client = await createClient({ databaseUrl, key, env: {} });
  const { catalog_id } = await client.catalog.register({ content: 'apiVersion: noetl.io/v2\nkind: Playbook\nmetadata: { name: bench, path: bench/serve }\nworkflow:\n  - step: start\n' });
  const set = await client.keychain.set({ catalog_id, name: 'api_token', data: { access_token: randomBytes(300).toString('base64url'), token_type: 'Bearer' }, ttl_seconds: 86_400 });
  for (let i = 0; i < 20; i++) await client.credentials.add({ name: `svc_${i}`, type: 'httpBearerAuth', data: { api_key: randomBytes(24).toString('hex') } });
  const reader = (await client.tokens.create({ name: 'bench-reader', role: 'reader', ttl_seconds: 3600 })).token;
  const revealer = (await client.tokens.create({ name: 'bench-revealer', role: 'revealer', ttl_seconds: 3600 })).token;
  await client.close();

  // A free port, so the server can log at warn (no line per request) and still be found.
  const port = await new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port: free } = probe.address();
      probe.close(() => resolve(free));
    });
  });
  const serve = { child: spawn(process.execPath, [noetl, 'serve', '--listen', `127.0.0.1:${port}`, '--log-level', 'warn'], { env, stdio: ['ignore', 'ignore', 'inherit'] }), url: `http://127.0.0.1:${port}` };
  children.push(serve.child);
  await waitForHealth(serve.url);
  const base = await startServer(['-e', BASELINE], env, /listening (http:\/\/\S+)/);
  const path = `/api/keychain/${catalog_id}/api_token`;
  const baselinePath = `/${encodeURIComponent(set.cache_key ?? `api_token:${catalog_id}:global`)}`;
  const check = await fetch(serve.url + path, { headers: { authorization: `Bearer ${reader}` } });
  if (check.status !== 200) throw new Error(`GET ${path}: ${check.status} ${await check.text()}`);
  const checkBase = await fetch(base.url + baselinePath);
  if (checkBase.status !== 200) throw new Error(`baseline GET ${baselinePath}: ${checkBase.status} ${await checkBase.text()}`);

  // Warm both up, then alternate short runs so the machine's load hits them alike.
  await load(serve.url + path, reader, { amount: 1000 });
  await load(base.url + baselinePath, undefined, { amount: 1000 });
  const rssAfter1k = rssMiB(serve.child.pid);
  const rounds = { base: [], reader: [], revealer: [] };
  for (let i = 0; i < ROUNDS; i++) {
    rounds.base.push(await load(base.url + baselinePath, undefined, { duration: SECONDS }));
    rounds.reader.push(await load(serve.url + path, reader, { duration: SECONDS }));
    rounds.revealer.push(await load(serve.url + path, revealer, { duration: SECONDS }));
  }
  for (const r of Object.values(rounds).flat()) if (r.errors || r.non2xx) throw new Error(`${r.url}: ${r.errors} errors, ${r.non2xx} non-2xx answers`);
  const rps = (list) => median(list.map((r) => r.requests.average));
  const p99 = (list) => median(list.map((r) => r.latency.p99));
  const baseRps = rps(rounds.base);
  console.log(`baseline (node:http + pg, one primary-key SELECT): ${baseRps.toFixed(0)} req/s, p99 ${fmt(p99(rounds.base))}  (${CONNECTIONS} connections, ${ROUNDS}×${SECONDS} s, median of rounds)`);
  for (const [who, list] of [['reader token (masked)', rounds.reader], ['revealer token (clear, audited)', rounds.revealer]]) {
    console.log(
      `GET ${path.replace(catalog_id, '{catalog_id}')}, ${who}: ${rps(list).toFixed(0)} req/s = ${(rps(list) / baseRps).toFixed(2)}× the baseline (goal ≥ 0.6×), p99 ${fmt(p99(list))} (goal ≤ 25 ms)`,
    );
  }

  // The remote CLI: a token file, the server's URL.
  const tokenFile = join(dir, 'reader.token');
  writeFileSync(tokenFile, reader + '\n', { mode: 0o600 });
  const { NOETL_DATABASE_URL: _url, NOETL_ENCRYPTION_KEY: _key, ...remoteEnv } = env;
  const remote = { cmd: process.execPath, args: [noetl, '--server', serve.url, '--token-file', tokenFile, 'credential', 'ls'], env: remoteEnv };
  const empty = { cmd: process.execPath, args: ['-e', ''], env: remoteEnv };
  const cli = timePaired(remote, empty, 15);
  console.log(`noetl credential ls over HTTP (20 credentials): ${fmt(cli.a)} vs node -e '' ${fmt(cli.b)} = ${cli.ratio.toFixed(2)}× (goal ≤ 1.5×)`);

  // Memory: MANY more requests (1k were made above, then the timed rounds).
  await load(serve.url + path, reader, { amount: MANY });
  const rssAfterMany = rssMiB(serve.child.pid);
  console.log(`serve RSS: ${rssAfter1k.toFixed(1)} MiB after 1k requests, ${rssAfterMany.toFixed(1)} MiB after ${MANY / 1000}k more = ${(rssAfterMany / rssAfter1k).toFixed(2)}× (goal ≤ 1.2×)`);
} finally {
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(children.map((child) => (child.exitCode === null ? new Promise((r) => child.once('exit', r)) : undefined)));
  await database.drop();
}
