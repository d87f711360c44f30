// `noetl gateway` on PostgreSQL (issue 18), every figure against a goal, the throughput against a
// baseline measured in the same run:
// - POST /api/auth/check-access (the session, its user and upstream's permission query in one
//   prepared statement) with 32 connections (autocannon) against a bare node:http + pg server
//   doing one SELECT of the same session row: requests/s ratio (goal ≥ 0.5×);
// - POST /api/auth/login with a warm JWKS (signature, claims, then one statement: user upsert,
//   session insert, audit line; one commit), one at a time: p99 (goal ≤ 30 ms).
// Both servers are child processes on 127.0.0.1; the Auth0 stand-in (oauth2-mock-server) runs
// in this process; the database is a fresh one, dropped at the end.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { OAuth2Server } from 'oauth2-mock-server';
import { migrate, openStore } from '../dist/sql.js';
import { benchDatabase, fmt, median, noetl, percentile, root, tempDir } from './lib.mjs';

const CONNECTIONS = 32;
const SECONDS = Number(process.env.NOETL_BENCH_SECONDS ?? 5);
const ROUNDS = 3;
const LOGINS = 300;
const AUDIENCE = 'https://noetl.example.com/api';

const database = await benchDatabase('bench_gateway');
const databaseUrl = database.url;

const children = [];
const dir = tempDir('noetl-bench-gateway-');
const env = { ...process.env, NOETL_DATABASE_URL: databaseUrl, NOETL_ENCRYPTION_KEY: randomBytes(32).toString('base64'), NOETL_KEYRING: 'off', HOME: dir, XDG_CONFIG_HOME: join(dir, 'config') };

/** A port nobody listens on now (the gateway logs its address only at level info, which would log every request). */
function freePort() {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** Starts a child process and resolves once `ready()` answers. */
async function start(args, childEnv, ready, nodeFlags = []) {
  const child = spawn(process.execPath, [...nodeFlags, ...args], { env: childEnv, stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`${args[1]} exited ${child.exitCode}: ${stderr}`);
    if (await ready().catch(() => false)) return child;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${args[1]} did not start: ${stderr}`);
}

/** The baseline: node:http and pg, one SELECT of the session row by its hash per request, the row as JSON. */
const BASELINE = `
const http = require('node:http');
const pg = require(${JSON.stringify(join(root, 'node_modules', 'pg'))});
const pool = new pg.Pool({ connectionString: process.env.NOETL_DATABASE_URL, max: 10 });
const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', async () => {
    try {
      const { rows } = await pool.query('SELECT * FROM auth.sessions WHERE session_token = $1', [process.env.SESSION_HASH]);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ allowed: rows.length > 0, session: rows[0] }));
    } catch (err) {
      res.writeHead(500);
      res.end(String(err));
    }
  });
});
server.listen(Number(process.env.PORT), '127.0.0.1');
`;

const issuer = new OAuth2Server();
try {
  await issuer.issuer.keys.generate('RS256', { kid: 'bench' });
  await issuer.start(0, '127.0.0.1');
  const issuerUrl = issuer.issuer.url;
  const token = (n) => issuer.issuer.buildToken({ scopesOrTransform: (_h, p) => Object.assign(p, { aud: AUDIENCE, sub: `auth0|bench${n}`, email: `bench${n}@example.com`, name: `Bench ${n}` }) });

  const store = await openStore({ backend: 'postgres', connectionString: databaseUrl, schema: 'noetl', source: 'bench' }, { schemaCheck: 'none', poolSize: 1 });
  await migrate(store);

  const gatewayPort = await freePort();
  const gateway = `http://127.0.0.1:${gatewayPort}`;
  // NOETL_BENCH_PROFILE_DIR=DIR: the gateway writes a CPU profile there when it stops (node --cpu-prof).
  const profile = process.env.NOETL_BENCH_PROFILE_DIR ? ['--cpu-prof', '--cpu-prof-dir', process.env.NOETL_BENCH_PROFILE_DIR] : [];
  const args = [noetl, 'gateway', '--listen', `127.0.0.1:${gatewayPort}`, '--log-level', 'warn', '--auth0-domain', issuerUrl, '--jwks-url', `${issuerUrl}/jwks`, '--auth0-audience', AUDIENCE, '--default-role', 'developer', '--login-limit', '0'];
  await start(args, env, async () => (await fetch(`${gateway}/health`)).ok, profile);

  const login = (auth0_token) => fetch(`${gateway}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ auth0_token }) });
  const first = await login(await token(0));
  if (first.status !== 200) throw new Error(`login: ${first.status} ${await first.text()}`);
  const { session_token } = await first.json();
  const { rows } = await store.query('SELECT session_token FROM auth.sessions LIMIT 1');
  await store.close();

  const basePort = await freePort();
  const baseline = `http://127.0.0.1:${basePort}`;
  await start(['-e', BASELINE], { ...env, PORT: String(basePort), SESSION_HASH: rows[0].session_token }, async () => (await fetch(baseline, { method: 'POST', body: '{}' })).ok);

  const body = JSON.stringify({ session_token, playbook_path: 'api_integration/amadeus_ai_api', permission_type: 'execute' });
  const check = await fetch(`${gateway}/api/auth/check-access`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const checked = await check.json();
  if (!checked.allowed) throw new Error(`check-access: ${JSON.stringify(checked)}`);
  const load = (target, options) => autocannon({ url: target, method: 'POST', connections: CONNECTIONS, headers: { 'content-type': 'application/json' }, body, ...options });

  await load(`${gateway}/api/auth/check-access`, { amount: 2000 });
  await load(baseline, { amount: 2000 });
  const rounds = { base: [], gateway: [] };
  for (let i = 0; i < ROUNDS; i++) {
    rounds.base.push(await load(baseline, { duration: SECONDS }));
    rounds.gateway.push(await load(`${gateway}/api/auth/check-access`, { duration: SECONDS }));
  }
  for (const r of Object.values(rounds).flat()) if (r.errors || r.non2xx) throw new Error(`${r.url}: ${r.errors} errors, ${r.non2xx} non-2xx answers`);
  const rps = (list) => median(list.map((r) => r.requests.average));
  const p99 = (list) => median(list.map((r) => r.latency.p99));
  const baseRps = rps(rounds.base);
  console.log(`baseline (node:http + pg, one SELECT of the session row): ${baseRps.toFixed(0)} req/s, p99 ${fmt(p99(rounds.base))}  (${CONNECTIONS} connections, ${ROUNDS}×${SECONDS} s, median of rounds)`);
  console.log(`POST /api/auth/check-access: ${rps(rounds.gateway).toFixed(0)} req/s = ${(rps(rounds.gateway) / baseRps).toFixed(2)}× the baseline (goal ≥ 0.5×), p99 ${fmt(p99(rounds.gateway))}`);

  // Logins with a warm JWKS: tokens made first (signing is the issuer's cost), then sent one at a time.
  const tokens = [];
  for (let i = 1; i <= LOGINS + 20; i++) tokens.push(await token(i % 50));
  const times = [];
  for (const [i, t] of tokens.entries()) {
    const started = process.hrtime.bigint();
    const res = await login(t);
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`login ${i}: ${res.status}`);
    if (i >= 20) times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  console.log(`POST /api/auth/login, warm JWKS, one at a time (${LOGINS} logins of 50 users): median ${fmt(median(times))}, p99 ${fmt(percentile(times, 99))} (goal ≤ 30 ms)`);
} finally {
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(children.map((child) => (child.exitCode === null ? new Promise((r) => child.once('exit', r)) : undefined)));
  await issuer.stop().catch(() => undefined);
  await database.drop();
}
