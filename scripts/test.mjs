// The whole test suite on every backend: every test on the embedded database (PGlite),
// then the database tests (*.db.test.ts) on the PostgreSQL server, in a database of their
// own that is dropped at the end, then the contract suite (test/contract) over HTTP: the
// remote client through `noetl serve`'s app to that PostgreSQL database. It prints the wall
// time of each part and of the whole run; its last line is "N passed, N failed".
//
//   npm test                    every backend (the server parts are skipped, and say so, when no server answers)
//   npm test -- test/lint       only some files (passed on to vitest; the HTTP part runs the contract files among them)
//
// PostgreSQL: NOETL_TEST_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/postgres).
// With CI=true an unreachable server is a failure, not a skip.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2);
const adminUrl = process.env.NOETL_TEST_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ci = process.env.CI === 'true' || process.env.CI === '1';
const work = mkdtempSync(join(tmpdir(), 'noetl-test-run-'));

function run(cmd, args, env = {}) {
  return spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
}

const started = performance.now();
const times = [];
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

/** Runs vitest for one backend (on `files`, the filters given by default); returns its counts from the JSON report. */
function vitest(backend, env, files = filters) {
  const report = join(work, `${backend}.json`);
  console.log(`\n== ${backend} backend ==`);
  const t0 = performance.now();
  const result = run(process.execPath, [join(root, 'node_modules/vitest/vitest.mjs'), 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...files], {
    NOETL_TEST_BACKEND: backend,
    ...env,
  });
  times.push(`${backend} ${seconds(performance.now() - t0)}`);
  try {
    const r = JSON.parse(readFileSync(report, 'utf8'));
    // A file that failed to load counts as a failure even when it ran no test.
    const brokenFiles = r.testResults.filter((f) => f.status === 'failed' && f.assertionResults.length === 0).length;
    return { passed: r.numPassedTests, failed: r.numFailedTests + brokenFiles, skipped: r.numPendingTests + r.numTodoTests };
  } catch {
    return { passed: 0, failed: 1, skipped: 0, note: `vitest (${backend}) exited ${result.status} without a report` };
  }
}

async function withServerDatabase(fn) {
  const name = `noetl_test_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
  try {
    await admin.connect();
  } catch (err) {
    return { unreachable: `${adminUrl.replace(/:[^:@/]*@/, ':***@')}: ${err.code ?? err.message}` };
  }
  await admin.query(`CREATE DATABASE ${name}`);
  try {
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    return { counts: fn(url.toString()) };
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch((err) => console.error(`could not drop ${name}: ${err.message}`));
    await admin.end();
  }
}

const buildStarted = performance.now();
const build = run(process.execPath, [join(root, 'scripts/build.mjs')]);
times.push(`build ${seconds(performance.now() - buildStarted)}`);
const totals = { passed: 0, failed: build.status === 0 ? 0 : 1, skipped: 0 };
const add = (c) => {
  totals.passed += c.passed;
  totals.failed += c.failed;
  totals.skipped += c.skipped;
  if (c.note) console.error(c.note);
};

add(vitest('embedded', {}));
// The HTTP part runs only the contract suite (or the contract files among the filters given).
const CONTRACT = 'test/contract';
const httpFiles = filters.length ? filters.filter((f) => f.startsWith(CONTRACT) || CONTRACT.startsWith(f.replace(/\/$/, ''))) : [CONTRACT];
const server = await withServerDatabase((url) => {
  const counts = [vitest('postgres', { NOETL_TEST_DATABASE_URL: url })];
  if (httpFiles.length) counts.push(vitest('http', { NOETL_TEST_DATABASE_URL: url }, httpFiles));
  return counts;
});
if (server.unreachable) {
  if (ci) {
    console.error(`\nPostgreSQL server suite FAILED to start: cannot reach ${server.unreachable}`);
    totals.failed += 1;
  } else {
    console.error(`\nPostgreSQL server and HTTP suites SKIPPED: cannot reach ${server.unreachable} (set NOETL_TEST_ADMIN_URL; with CI=true this is a failure)`);
  }
} else {
  server.counts.forEach(add);
}
rmSync(work, { recursive: true, force: true });
console.log(`\nwall time: ${seconds(performance.now() - started)} (${times.join(', ')})`);
console.log(`\n${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`);
process.exitCode = totals.failed ? 1 : 0;
