import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testBackend } from '../helpers/backend.js';
import { repoRoot, runCli, testCliEnv } from '../helpers/cli.js';

/** An environment whose database has never been migrated (a new data dir, or a new schema). */
async function unmigratedEnv(): Promise<NodeJS.ProcessEnv> {
  const env = await testCliEnv();
  if (testBackend() === 'embedded') env.NOETL_DATA_DIR = join(mkdtempSync(join(tmpdir(), 'noetl-fresh-')), 'db');
  else env.NOETL_SCHEMA = `fresh_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6)}`;
  return env;
}

// Each test starts from a database that does not exist yet (embedded: initdb, seconds of CPU; many more on a loaded machine).
const FRESH_DATABASE = { timeout: 180_000 };

describe(`db commands (${testBackend()})`, () => {
  it('migrate applies the pending migrations once; status and info report them', FRESH_DATABASE, async () => {
    const env = await unmigratedEnv();
    const before = await runCli(['db', 'status', '-o', 'json', '--exit-code'], { env });
    expect(before.code).toBe(1);
    expect(JSON.parse(before.stdout)).toEqual([
      expect.objectContaining({ version: 1, name: 'initial', status: 'pending' }),
      expect.objectContaining({ version: 2, name: 'service_tokens', status: 'pending' }),
      expect.objectContaining({ version: 3, name: 'gateway_auth', status: 'pending' }),
    ]);

    const first = await runCli(['db', 'migrate', '-o', 'json'], { env });
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ version: 3, applied: [{ file: '0001_initial.sql' }, { file: '0002_service_tokens.sql' }, { file: '0003_gateway_auth.sql' }] });
    const again = await runCli(['db', 'migrate', '-o', 'json'], { env });
    expect(JSON.parse(again.stdout)).toMatchObject({ version: 3, applied: [] });

    const after = await runCli(['db', 'status', '--exit-code', '-o', 'json'], { env });
    expect(after.code).toBe(0);
    expect(JSON.parse(after.stdout)[0]).toMatchObject({ status: 'applied', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });

    const info = await runCli(['db', 'info', '-o', 'json'], { env });
    expect(info.code).toBe(0);
    expect(JSON.parse(info.stdout)).toMatchObject({ backend: testBackend(), schema_version: 3, pending_migrations: 0 });
  });

  it('-q silences progress; --verbose says which database and why', FRESH_DATABASE, async () => {
    const env = await unmigratedEnv();
    const quiet = await runCli(['-q', 'db', 'migrate'], { env });
    expect(quiet).toMatchObject({ code: 0, stdout: '', stderr: '' });
    const verbose = await runCli(['--verbose', 'db', 'migrate'], { env });
    expect(verbose.code).toBe(0);
    const source = testBackend() === 'embedded' ? 'NOETL_DATA_DIR' : 'NOETL_DATABASE_URL';
    expect(verbose.stderr).toContain(`database: ${testBackend()} (${source})`);
    expect(verbose.stderr).toMatch(/is up to date \(version \d+\)/);
  });

  it('four concurrent `db migrate` runs all exit 0 and apply each migration exactly once', { timeout: 300_000 }, async () => {
    const env = await unmigratedEnv();
    // Embedded: the first run creates the data directory (initdb, seconds) while the others wait for its lock.
    const runs = await Promise.all([1, 2, 3, 4].map(() => runCli(['--lock-timeout', '300s', 'db', 'migrate', '-o', 'json'], { env, timeoutMs: 300_000 })));
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    const appliedCounts = runs.map((r) => JSON.parse(r.stdout).applied.length);
    expect(appliedCounts.reduce((a, b) => a + b, 0)).toBe(2);
    const status = await runCli(['db', 'status', '-o', 'json'], { env });
    expect(JSON.parse(status.stdout).map((s: { status: string }) => s.status)).toEqual(['applied', 'applied']);
  });

  it('refuses a migration whose file changed after it was applied, naming the file', FRESH_DATABASE, async () => {
    const env = await unmigratedEnv();
    expect((await runCli(['db', 'migrate'], { env })).code).toBe(0);
    // The migrations are text inside the bundle, with no folder beside it: a copy of the build
    // whose bundled 0001 differs (one space more in its first comment) from what was applied.
    expect(existsSync(join(repoRoot, 'dist', 'migrations'))).toBe(false);
    const copy = mkdtempSync(join(tmpdir(), 'noetl-changed-'));
    for (const dir of ['bin', 'dist']) cpSync(join(repoRoot, dir), join(copy, dir), { recursive: true });
    symlinkSync(join(repoRoot, 'node_modules'), join(copy, 'node_modules'));
    writeFileSync(join(copy, 'package.json'), readFileSync(join(repoRoot, 'package.json')));
    const firstLine = readFileSync(join(repoRoot, 'src/backends/sql/migrations/0001_initial.sql'), 'utf8').split('\n')[0];
    const edited = bundleFiles(join(copy, 'dist')).filter((file) => {
      const text = readFileSync(file, 'utf8');
      if (!text.includes(firstLine)) return false;
      writeFileSync(file, text.replace(firstLine, firstLine.replace(' ', '  ')));
      return true;
    });
    expect(edited.length).toBeGreaterThan(0);
    const r = spawnSync(process.execPath, [join(copy, 'bin', 'noetl'), 'db', 'migrate'], { env, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error: migration 0001_initial\.sql was applied with sha256 [0-9a-f]{12}… but the file has changed since: restore the applied version and put the change in a new migration file\n$/);
  });
});

/** Every .js file of a build, in its chunk folders too. */
function bundleFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? bundleFiles(join(dir, e.name)) : e.name.endsWith('.js') ? [join(dir, e.name)] : []));
}

describe.runIf(testBackend() === 'postgres')('PostgreSQL specifics', () => {
  it('a command against a schema that is not initialised exits 1 and says to migrate', async () => {
    const env = await unmigratedEnv();
    for (const args of [['credential', 'ls'], ['vars', 'show', '507431238966182398'], ['keychain', 'stats']]) {
      const r = await runCli(args, { env });
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toBe(`error: schema ${env.NOETL_SCHEMA} is not initialised: run \`noetl db migrate\`\n`);
    }
  });

  it('an unreachable server exits 1 naming host and port, without a stack trace', async () => {
    const env = await testCliEnv();
    env.NOETL_DATABASE_URL = 'postgres://postgres:hunter2@127.0.0.1:1/noetl';
    const r = await runCli(['db', 'info'], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: cannot reach PostgreSQL at 127\.0\.0\.1:1 \(ECONNREFUSED\): check that the server is running/);
    expect(r.stderr).not.toContain('hunter2');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const debug = await runCli(['db', 'info'], { env: { ...env, NOETL_DEBUG: '1' } });
    expect(debug.code).toBe(1);
    expect(debug.stderr).toMatch(/^error: cannot reach PostgreSQL[^\n]*\n[\s\S]*\n\s+at /);
    expect(debug.stderr).not.toContain('hunter2');
  });

  it('db info masks the password of the connection URL', async () => {
    const env = await testCliEnv();
    env.NOETL_DATABASE_URL = env.NOETL_DATABASE_URL!.replace('postgres@', 'postgres:s3cr3tpw@');
    const r = await runCli(['db', 'info', '-o', 'json'], { env });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).location).toContain('postgres:***@');
    expect(r.stdout).not.toContain('s3cr3tpw');
  });
});
