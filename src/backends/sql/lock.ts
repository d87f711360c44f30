import { randomBytes } from 'node:crypto';
import { type BigIntStats, closeSync, fstatSync, linkSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { Worker } from 'node:worker_threads';
import { invalidError, conflictError } from '../../core/errors.js';

/**
 * An exclusive lock on an embedded data directory, held for the life of a command.
 * PGlite has no inter-process locking, and two processes on one data directory lose
 * committed writes, so every process that opens it takes this lock first.
 *
 * The lock is a file created with O_EXCL that names its holder. The holder proves it is alive
 * with a heartbeat: a worker thread (so that PGlite's long synchronous work on the main thread
 * cannot stall it) sets the file's mtime every second. A lock is stale, and broken, when
 *   - nobody has seen its mtime change for `staleMs` (by the waiter's own clock, so clocks of
 *     other hosts do not matter): another host's lock, a reused pid, garbage;
 *   - it names this host, or nothing, and its mtime is older than `staleMs`;
 *   - it names this host and a process that is gone (or this very process, which is not holding
 *     it), and has missed three heartbeats: a crashed noetl, quickly.
 * A stale lock is broken under a second O_EXCL "breaker" file, and by renaming it aside first:
 * only the very file judged stale (same inode and mtime) is deleted, so a waiter that was paused
 * in between cannot delete a live lock that replaced it; a live one moved by mistake is put back.
 */
export interface LockHolder {
  pid: number;
  host: string;
  command: string;
  since: string;
  /** Tells this holder's lock from a later one of the same pid. */
  token: string;
}

export interface DirLock {
  release(): void;
}

export interface LockOptions {
  /** How long without a heartbeat makes a lock stale (default 10 s; tests shorten it). */
  staleMs?: number;
}

const POLL_MS = 25;
export const HEARTBEAT_MS = 1000;
const DEFAULT_STALE_MS = 10_000;
/** A lock of a process that is gone, which missed this many heartbeats, is stale. */
const MISSED_HEARTBEATS = 3;

/** What a waiter saw of a lock file. */
export interface LockFileState {
  /** Inode, mtime and size: any heartbeat or new lock changes it. */
  signature: string;
  mtimeMs: number;
  /** Undefined when the file is empty or not a noetl lock. */
  holder?: LockHolder;
}

// The heartbeat, in a worker thread: it opens the lock file itself and stops if that is no longer ours.
const HEARTBEAT_SOURCE = `
const { workerData } = require('node:worker_threads');
const fs = require('node:fs');
let fd;
try {
  fd = fs.openSync(workerData.path, 'r');
  if (String(fs.fstatSync(fd, { bigint: true }).ino) !== workerData.ino) { fs.closeSync(fd); fd = undefined; }
} catch { fd = undefined; }
if (fd !== undefined) setInterval(() => { try { const now = new Date(); fs.futimesSync(fd, now, now); } catch {} }, workerData.intervalMs);
`;

export async function acquireDirLock(lockPath: string, timeoutMs: number, command: string, options: LockOptions = {}): Promise<DirLock> {
  const staleMs = options.staleMs ?? DEFAULT_STALE_MS;
  const me: LockHolder = { pid: process.pid, host: hostname(), command, since: new Date().toISOString(), token: randomBytes(8).toString('hex') };
  const deadline = performance.now() + timeoutMs;
  let watched: { signature: string; since: number } | undefined;
  let ino: string;
  for (;;) {
    const created = tryCreate(lockPath, JSON.stringify(me));
    if (created !== undefined) {
      ino = created;
      break;
    }
    const seen = inspectLock(lockPath);
    if (!seen) continue; // released meanwhile: try again at once
    if (watched?.signature !== seen.signature) watched = { signature: seen.signature, since: performance.now() };
    const unchangedMs = performance.now() - watched.since;
    if (isStale(seen, unchangedMs, staleMs) && breakStaleLock(lockPath, seen, staleMs)) continue;
    if (performance.now() >= deadline) throw lockedError(lockPath, seen);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  const heartbeat = new Worker(HEARTBEAT_SOURCE, { eval: true, workerData: { path: lockPath, ino, intervalMs: HEARTBEAT_MS } });
  heartbeat.unref();
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.off('exit', release);
    void heartbeat.terminate();
    if (inspectLock(lockPath)?.holder?.token === me.token) safeUnlink(lockPath);
  };
  process.on('exit', release);
  return { release };
}

function isStale(seen: LockFileState, unchangedMs: number, staleMs: number): boolean {
  if (unchangedMs >= staleMs) return true;
  const here = hostname();
  // The wall clock compares with an mtime only where one clock set both: this host.
  const ageMs = Date.now() - seen.mtimeMs;
  if ((!seen.holder || seen.holder.host === here) && ageMs >= staleMs) return true;
  return seen.holder?.host === here && ageMs >= MISSED_HEARTBEATS * HEARTBEAT_MS && !runsElsewhere(seen.holder.pid);
}

/** Whether `pid` is a live process other than this one (a lock naming this process is not ours: we are waiting for it). */
function runsElsewhere(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

function lockedError(lockPath: string, seen: LockFileState): Error {
  const beat = `last heartbeat ${Math.max(0, Math.round((Date.now() - seen.mtimeMs) / 1000))}s ago`;
  const who = seen.holder
    ? `by pid ${seen.holder.pid} on ${seen.holder.host} (${seen.holder.command}) since ${seen.holder.since} (${beat})`
    : `by a lock file that names no holder (${beat})`;
  return conflictError(`data directory is locked ${who}: if no noetl process is using it, remove ${lockPath}; else wait for it to finish`, { hint: { option: 'lock-timeout', text: 'DURATION to wait longer' } });
}

/** Creates the file with O_EXCL and writes `content`; its inode, or undefined when it exists. */
function tryCreate(path: string, content: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return undefined;
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
      throw invalidError(`cannot create the lock file ${path}: ${code === 'EROFS' ? 'read-only file system' : 'permission denied'}; choose a data directory where you can write`, { hint: { option: 'data-dir', text: 'DIR' } });
    }
    throw err;
  }
  try {
    writeSync(fd, content);
    return String(fstatSync(fd, { bigint: true }).ino);
  } finally {
    closeSync(fd);
  }
}

/** The lock file as a waiter sees it, or undefined when there is none. */
export function inspectLock(path: string): LockFileState | undefined {
  let text: string;
  let stat: BigIntStats;
  try {
    stat = statSync(path, { bigint: true });
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  return { signature: `${stat.ino}:${stat.mtimeNs}:${stat.size}`, mtimeMs: Number(stat.mtimeMs), holder: parseHolder(text) };
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const h = JSON.parse(text) as Partial<LockHolder>;
    if (typeof h.pid === 'number' && typeof h.host === 'string' && typeof h.command === 'string' && typeof h.since === 'string') return h as LockHolder;
  } catch {
    /* empty or not a noetl lock */
  }
  return undefined;
}

/** Removes the lock judged stale, if it is still that very file; true when it is gone. */
export function breakStaleLock(lockPath: string, judged: LockFileState, staleMs = DEFAULT_STALE_MS): boolean {
  const breaker = `${lockPath}.break`;
  const token = randomBytes(8).toString('hex');
  if (tryCreate(breaker, JSON.stringify({ pid: process.pid, host: hostname(), token })) === undefined) {
    // Another waiter is breaking it now; a breaker left by one that died goes once it is stale too.
    const left = inspectLock(breaker);
    if (left && Date.now() - left.mtimeMs >= staleMs) safeUnlink(breaker);
    return false;
  }
  try {
    // Judged before we held the breaker: another waiter may have broken it and a new holder taken it since.
    if (inspectLock(lockPath)?.signature !== judged.signature) return false;
    const aside = `${lockPath}.stale-${token}`;
    try {
      renameSync(lockPath, aside);
    } catch {
      return false; // gone already
    }
    if (inspectLock(aside)?.signature === judged.signature) {
      safeUnlink(aside);
      return true;
    }
    // Not the file judged stale (possible only if this process was stopped for longer than staleMs
    // while holding the breaker, and another took the breaker over): put it back untouched.
    try {
      linkSync(aside, lockPath);
    } catch {
      /* a new lock already took its place: nothing left to restore it to */
    }
    safeUnlink(aside);
    return false;
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
