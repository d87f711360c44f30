import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/backends/sql/connect.js';
import { freshDataDir, testBackend } from '../helpers/backend.js';
import { repoRoot, runCli, testCliEnv } from '../helpers/cli.js';

const fixture = (name: string) => join(repoRoot, 'test', 'foundation', 'fixtures', name);

function node(args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('close', (code) => resolve({ code: code ?? 1, stderr }));
  });
}

describe.runIf(testBackend() === 'embedded')('the embedded backend', () => {
  it('4 processes × 25 writes on one data directory: all 100 rows are there', async () => {
    const dataDir = await freshDataDir();
    const runs = await Promise.all(['1', '2', '3', '4'].map((w) => node([fixture('writer.mjs'), dataDir, w, '25'])));
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    const store = await openStore({ backend: 'embedded', dataDir, schema: 'noetl', source: 'test' });
    try {
      const { rows } = await store.query<{ execution_id: string; n: string }>(
        'SELECT execution_id, count(*) AS n FROM execution_variable GROUP BY execution_id ORDER BY execution_id',
      );
      expect(rows.map((r) => [String(r.execution_id), Number(r.n)])).toEqual([
        ['1', 25],
        ['2', 25],
        ['3', 25],
        ['4', 25],
      ]);
    } finally {
      await store.close();
    }
  });

  it('a second process waits for the lock, then exits 4 naming the holder', async () => {
    const env = await testCliEnv();
    const holder = spawn(process.execPath, [fixture('holder.mjs'), env.NOETL_DATA_DIR!], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve) => holder.stdout!.once('data', () => resolve()));
      const started = performance.now();
      const r = await runCli(['--lock-timeout', '1s', 'db', 'status'], { env });
      const waitedMs = performance.now() - started;
      expect(r.code).toBe(4);
      // It waited out the 1s timeout rather than giving up at once.
      expect(waitedMs).toBeGreaterThanOrEqual(900);
      expect(r.stderr).toMatch(new RegExp(`^error: data directory is locked by pid ${holder.pid} on .+ \\(holder\\) since .+: if no noetl process is using it, remove .+; else wait for it to finish: use --lock-timeout DURATION to wait longer\\n$`));
      // It says what to remove if the holder is not really running.
      expect(r.stderr).toContain(`if no noetl process is using it, remove ${env.NOETL_DATA_DIR}.lock;`);
    } finally {
      holder.kill('SIGTERM');
      await new Promise((resolve) => holder.once('close', resolve));
    }
    expect((await runCli(['db', 'status'], { env })).code).toBe(0);
  });

  it('names a noetl holder by its command, whatever global flags come first', async () => {
    const env = await testCliEnv();
    expect((await runCli(['db', 'migrate'], { env })).code).toBe(0);
    // `keychain set --data -` holds the lock while it waits for stdin.
    const holder = spawn(process.execPath, [join(repoRoot, 'bin', 'noetl'), '-o', 'json', 'keychain', 'set', 'k', '--playbook', 'a/b', '--data', '-'], { env, stdio: ['pipe', 'ignore', 'ignore'] });
    try {
      const lockFile = `${env.NOETL_DATA_DIR}.lock`;
      for (let i = 0; i < 200 && !existsSync(lockFile); i++) await new Promise((resolve) => setTimeout(resolve, 50));
      const r = await runCli(['--lock-timeout', '0', 'db', 'status'], { env });
      expect(r.code).toBe(4);
      expect(r.stderr).toContain(`locked by pid ${holder.pid} on `);
      expect(r.stderr).toContain(' (noetl keychain set) since ');
    } finally {
      holder.stdin!.end('{"token": "t"}');
      await new Promise((resolve) => holder.once('close', resolve));
    }
  });

  it('a lock left by a process that died does not block the next one', async () => {
    const env = await testCliEnv();
    const holder = spawn(process.execPath, [fixture('holder.mjs'), env.NOETL_DATA_DIR!], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => holder.stdout!.once('data', () => resolve()));
    holder.kill('SIGKILL');
    await new Promise((resolve) => holder.once('close', resolve));
    expect(existsSync(`${env.NOETL_DATA_DIR}.lock`)).toBe(true);
    const r = await runCli(['--lock-timeout', '5s', 'db', 'status'], { env });
    expect(r.code, r.stderr).toBe(0);
  });

  it('refuses a directory that is not a database and writes nothing into it', async () => {
    const env = await testCliEnv();
    const dir = mkdtempSync(join(tmpdir(), 'noetl-notdb-'));
    writeFileSync(join(dir, 'notes.txt'), 'keep me');
    env.NOETL_DATA_DIR = dir;
    const r = await runCli(['db', 'migrate'], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`error: ${dir} is not a PGlite/PostgreSQL data directory (no PG_VERSION) and is not empty; nothing was written: choose an empty or new data directory: use --data-dir DIR\n`);
    expect(readFileSync(join(dir, 'notes.txt'), 'utf8')).toBe('keep me');
    expect(readdirSync(dir)).toEqual(['notes.txt']);
  });

  it('uses $XDG_DATA_HOME/noetl/db by default', async () => {
    const env = await testCliEnv();
    delete env.NOETL_DATA_DIR;
    mkdirSync(env.XDG_DATA_HOME!, { recursive: true });
    const r = await runCli(['db', 'info', '-o', 'json'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).location).toBe(join(env.XDG_DATA_HOME!, 'noetl', 'db'));
  });
});
