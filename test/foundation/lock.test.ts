import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { acquireDirLock, breakStaleLock, inspectLock } from '../../src/backends/sql/lock.js';
import { repoRoot } from '../helpers/cli.js';

function lockFile(): string {
  return join(mkdtempSync(join(tmpdir(), 'noetl-lock-')), 'db.lock');
}

/** A lock file as another process would have left it, last touched `ageMs` ago. */
function plant(path: string, content: string, ageMs: number): void {
  writeFileSync(path, content, { mode: 0o600 });
  const at = new Date(Date.now() - ageMs);
  utimesSync(path, at, at);
}

const holder = (pid: number, host = hostname()) => JSON.stringify({ pid, host, command: 'noetl keychain set', since: '2026-01-01T00:00:00.000Z', token: 'planted' });
const HOUR = 3_600_000;

async function failure(promise: Promise<unknown>): Promise<{ message: string; code: string }> {
  try {
    await promise;
  } catch (err) {
    return err as { message: string; code: string };
  }
  throw new Error('expected a failure');
}

describe('the embedded lock recovers from a stale lock file', () => {
  it.each([
    ['a live process that is not noetl (pid reused)', () => holder(process.ppid)],
    ['this very process (pid 1 in every container)', () => holder(process.pid)],
    ['a process that is gone', () => holder(2 ** 22 + 1)],
    ['nothing (an empty file)', () => ''],
    ['garbage', () => 'not a lock\n'],
  ])('names %s, with no heartbeat for an hour: taken at once', async (_what, content) => {
    const path = lockFile();
    plant(path, content(), HOUR);
    const started = performance.now();
    const lock = await acquireDirLock(path, 0, 'test');
    expect(performance.now() - started).toBeLessThan(1000);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ pid: process.pid, command: 'test' });
    lock.release();
    expect(existsSync(path)).toBe(false);
  });

  it("another host's lock: broken once no heartbeat was seen for staleMs (whatever that host's clock says), not before", async () => {
    const path = lockFile();
    // Its mtime is now by our clock: only watching it not change proves the holder is gone.
    plant(path, holder(4242, 'pod-7f9c-restarted'), 0);
    const early = await failure(acquireDirLock(path, 300, 'test', { staleMs: 1500 }));
    expect(early.code).toBe('conflict');
    const started = performance.now();
    const lock = await acquireDirLock(path, 5000, 'test', { staleMs: 1500 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(1400);
    lock.release();
  });

  it('says who holds it and which file to remove when it is not stale', async () => {
    const path = lockFile();
    plant(path, holder(4242, 'other-host'), 0);
    const err = await failure(acquireDirLock(path, 100, 'test'));
    expect(err.code).toBe('conflict');
    expect(err.message).toMatch(/^data directory is locked by pid 4242 on other-host \(noetl keychain set\) since 2026-01-01T00:00:00.000Z \(last heartbeat \d+s ago\): if no noetl process is using it, remove .+; else wait for it to finish$/);
    expect(err).toMatchObject({ hint: { option: 'lock-timeout', text: 'DURATION to wait longer' } });
    expect(err.message).toContain(`remove ${path};`);
    plant(path, '', 0);
    expect((await failure(acquireDirLock(path, 100, 'test'))).message).toMatch(/^data directory is locked by a lock file that names no holder \(last heartbeat \d+s ago\): .*remove /);
  });
});

describe('the embedded lock is never taken from a live holder', () => {
  it('a holder whose main thread is busy keeps its lock alive with a heartbeat', async () => {
    const path = lockFile();
    const busy = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'test/foundation/fixtures/busy-holder.ts'), path, '4000'], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      await new Promise<void>((resolve) => busy.stdout!.once('data', () => resolve()));
      const before = statSync(path).mtimeMs;
      // Stale after 2.5 s without a heartbeat: the holder's main thread is busy for 4 s.
      const err = await failure(acquireDirLock(path, 3000, 'test', { staleMs: 2500 }));
      expect(err.code).toBe('conflict');
      expect(err.message).toContain(`locked by pid ${busy.pid} on ${hostname()} (busy holder)`);
      expect(statSync(path).mtimeMs).toBeGreaterThan(before);
    } finally {
      busy.kill('SIGKILL');
      await new Promise((resolve) => busy.once('close', resolve));
    }
  });

  it('a waiter that judged a lock stale does not delete the live lock that replaced it', async () => {
    const path = lockFile();
    plant(path, 'garbage', HOUR);
    const judged = inspectLock(path)!;
    // Meanwhile another waiter broke it and a live holder took the directory.
    unlinkSync(path);
    const live = await acquireDirLock(path, 0, 'live');
    expect(breakStaleLock(path, judged)).toBe(false);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ command: 'live' });
    live.release();
  });

  it('two waiters never both break the same stale lock: one breaker at a time', async () => {
    const path = lockFile();
    plant(path, 'garbage', HOUR);
    const judged = inspectLock(path)!;
    // Another waiter is breaking it right now.
    writeFileSync(`${path}.break`, holder(process.ppid));
    expect(breakStaleLock(path, judged)).toBe(false);
    expect(readFileSync(path, 'utf8')).toBe('garbage');
    unlinkSync(`${path}.break`);
    expect(breakStaleLock(path, judged)).toBe(true);
    expect(existsSync(path)).toBe(false);
  });
});
