import { spawn } from 'node:child_process';
import { chmodSync, chownSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadMigrations } from '../../src/backends/sql/migrate.js';
import { embeddedTemplate, freshDataDir, testBackend } from '../helpers/backend.js';
import { type CliResult, noetlBin, repoRoot, runCli, testCliEnv } from '../helpers/cli.js';

const isRoot = process.getuid?.() === 0;
const NOBODY = 65534;

/** Every directory and file under `dir` (itself included) with its permission bits, e.g. `db/base 755`. */
function modes(dir: string): { dirs: Set<number>; files: Set<number>; count: number } {
  const dirs = new Set<number>();
  const files = new Set<number>();
  let count = 0;
  const visit = (path: string) => {
    const stat = lstatSync(path);
    count++;
    if (stat.isDirectory()) {
      dirs.add(stat.mode & 0o777);
      for (const entry of readdirSync(path)) visit(join(path, entry));
    } else files.add(stat.mode & 0o777);
  };
  visit(dir);
  return { dirs, files, count };
}

function loosen(dir: string): void {
  const visit = (path: string) => {
    const stat = lstatSync(path);
    chmodSync(path, stat.isDirectory() ? 0o755 : 0o644);
    if (stat.isDirectory()) for (const entry of readdirSync(path)) visit(join(path, entry));
  };
  visit(dir);
}

/** The built CLI under umask 000, as a careless shell or container would run it. */
function spawnUnderUmask000(args: string[], env: NodeJS.ProcessEnv) {
  return spawn('sh', ['-c', 'umask 000 && exec "$@"', 'sh', process.execPath, noetlBin, ...args], { env, cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
}

function finished(child: ReturnType<typeof spawn>): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr })));
}

function fileCount(dir: string): number {
  if (!existsSync(dir)) return 0;
  return readdirSync(dir, { recursive: true }).length;
}

describe.runIf(testBackend() === 'embedded')('the embedded data directory', () => {
  it('survives a first command killed while it initialises, and comes out 0700/0600 under umask 000', async () => {
    const env = await testCliEnv();
    env.NOETL_DATA_DIR = join(mkdtempSync(join(tmpdir(), 'noetl-first-')), 'db');
    const first = spawnUnderUmask000(['db', 'migrate'], env);
    const done = finished(first);
    let killed = false;
    // Kill it once initdb has written part of the database (the parent holds it, wherever it is built).
    for (let i = 0; i < 1200 && first.exitCode === null; i++) {
      if (fileCount(dirname(env.NOETL_DATA_DIR)) > 200) {
        first.kill('SIGKILL');
        killed = true;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await done;
    expect(killed, 'the first command finished before it could be killed mid-initialisation').toBe(true);

    const again = await finished(spawnUnderUmask000(['db', 'migrate'], env));
    expect(again.code, again.stderr).toBe(0);
    const status = await runCli(['db', 'status', '--exit-code'], { env });
    expect(status.code, status.stderr).toBe(0);
    const { dirs, files, count } = modes(env.NOETL_DATA_DIR);
    expect(count).toBeGreaterThan(500);
    expect([...dirs]).toEqual([0o700]);
    expect([...files]).toEqual([0o600]);
  }, 240_000);

  it('tightens a data directory others can read, says so, and keeps it tight', async () => {
    const env = await testCliEnv();
    const dataDir = env.NOETL_DATA_DIR!;
    loosen(dataDir);
    const r = await runCli(['db', 'info'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`^warning: data directory ${dataDir} was open to other users \\(mode 0755\\): tightened it to 0700, and \\d+ file\\(s\\) and folder\\(s\\) in it to 0600/0700\\n$`));
    const after = modes(dataDir);
    expect([...after.dirs]).toEqual([0o700]);
    expect([...after.files]).toEqual([0o600]);
    const quiet = await runCli(['db', 'info'], { env });
    expect(quiet.stderr).toBe('');
    expect([...modes(dataDir).files]).toEqual([0o600]);
  });

  it('follows a symlinked --data-dir to the directory (one lock for both names), and names a dangling one', async () => {
    const env = await testCliEnv();
    const real = env.NOETL_DATA_DIR!;
    const link = join(mkdtempSync(join(tmpdir(), 'noetl-link-')), 'db');
    symlinkSync(real, link);
    delete env.NOETL_DATA_DIR;
    const r = await runCli(['--data-dir', link, 'db', 'info', '-o', 'json'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ backend: 'embedded', location: real, schema_version: loadMigrations().at(-1)!.version });
    expect(lstatSync(link).isSymbolicLink()).toBe(true);

    const dangling = join(dirname(link), 'gone');
    symlinkSync(join(dirname(link), 'nowhere'), dangling);
    const bad = await runCli(['--data-dir', dangling, 'db', 'info'], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(`error: data directory ${dangling} is a symbolic link to a directory that does not exist: create the directory it points to, or choose another --data-dir\n`);
  });

  it("refuses a --data-dir owned by someone else, and an unreadable --key-file: one line, exit 2", async () => {
    const env = await testCliEnv();
    // As root, a directory given to another user; otherwise one that root owns.
    let foreign = '/';
    if (isRoot) {
      foreign = await freshDataDir();
      chownSync(foreign, NOBODY, NOBODY);
    }
    const r = await runCli(['--data-dir', foreign, 'db', 'info'], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^error: data directory ${foreign} belongs to another user \\(uid \\d+\\): noetl keeps secrets there and uses only a directory of your own; choose another --data-dir\\n$`));

    // A key file the user cannot read: as root, run the CLI as nobody with a key file only root reads.
    const base = mkdtempSync(join(tmpdir(), 'noetl-keyfile-'));
    chmodSync(base, 0o755);
    const keyFile = join(base, 'master.key');
    writeFileSync(keyFile, Buffer.alloc(32, 7).toString('base64'), { mode: 0o600 });
    const userEnv = { ...env };
    let uid: number | undefined;
    if (isRoot) {
      uid = NOBODY;
      const home = join(base, 'home');
      mkdirSync(home);
      cpSync(await embeddedTemplate(), join(home, 'db'), { recursive: true });
      for (const path of [home, ...readdirSync(home, { recursive: true }).map((p) => join(home, String(p)))]) chownSync(path, NOBODY, NOBODY);
      Object.assign(userEnv, { HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_DATA_HOME: join(home, '.local'), NOETL_DATA_DIR: join(home, 'db') });
    } else chmodSync(keyFile, 0o000);
    const unreadable = await finished(spawn(process.execPath, [noetlBin, '--key-file', keyFile, 'credential', 'get', 'pg'], { env: userEnv, cwd: repoRoot, uid, gid: uid, stdio: ['ignore', 'pipe', 'pipe'] }));
    expect(unreadable.code).toBe(2);
    expect(unreadable.stderr).toMatch(/(^|\n)error: cannot read key file .+ \(--key-file\): permission denied; check the file's owner and mode\n$/);
    expect(unreadable.stderr).not.toContain('this is a bug');
  });
});
