import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { conflictError } from '../core/errors.js';

/**
 * An exclusive lock on an embedded data directory, held for the life of a command.
 * PGlite has no inter-process locking, and two processes on one data directory lose
 * committed writes, so every process that opens it takes this lock first.
 *
 * The lock is a file created with O_EXCL that names its holder. A holder that died
 * leaves a stale file; it is broken under a second O_EXCL "breaker" file, so two
 * waiters can never both break it and both believe they hold it.
 */
export interface LockHolder {
  pid: number;
  host: string;
  command: string;
  since: string;
}

export interface DirLock {
  release(): void;
}

const POLL_MS = 25;
const BREAKER_STALE_MS = 5000;

export async function acquireDirLock(lockPath: string, timeoutMs: number, command: string): Promise<DirLock> {
  const me: LockHolder = { pid: process.pid, host: hostname(), command, since: new Date().toISOString() };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (tryCreate(lockPath, JSON.stringify(me))) break;
    const holder = readHolder(lockPath);
    if (holder && isStale(holder)) {
      breakStale(lockPath, holder);
      continue;
    }
    if (Date.now() >= deadline) {
      const who = holder ? `pid ${holder.pid} on ${holder.host} (${holder.command}) since ${holder.since}` : 'another process';
      throw conflictError(`data directory is locked by ${who}: wait for it to finish, or raise --lock-timeout (lock file ${lockPath})`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.off('exit', release);
    const holder = readHolder(lockPath);
    if (holder && holder.pid === me.pid && holder.since === me.since) safeUnlink(lockPath);
  };
  process.on('exit', release);
  return { release };
}

function tryCreate(path: string, content: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  return true;
}

function readHolder(path: string): LockHolder | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LockHolder;
  } catch {
    // Missing, or caught between create and write: treat as held, look again next poll.
    return undefined;
  }
}

function isStale(holder: LockHolder): boolean {
  if (holder.host !== hostname()) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

function breakStale(lockPath: string, stale: LockHolder): void {
  const breaker = `${lockPath}.break`;
  if (!tryCreate(breaker, String(process.pid))) {
    try {
      if (Date.now() - statSync(breaker).mtimeMs > BREAKER_STALE_MS) safeUnlink(breaker);
    } catch {
      /* gone already */
    }
    return;
  }
  try {
    const now = readHolder(lockPath);
    if (now && now.pid === stale.pid && now.since === stale.since) safeUnlink(lockPath);
  } finally {
    safeUnlink(breaker);
  }
}

function safeUnlink(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* already gone */
  }
}
