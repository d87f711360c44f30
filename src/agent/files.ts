/**
 * The embedded database agent's files in the data directory, and what a command reads of them.
 * The agent (run.ts) owns the data directory and its lock, and serves the PostgreSQL protocol
 * on a Unix socket inside it; the handshake file says who it is (pid, build, socket) and how
 * busy (connections), rewritten atomically whenever that changes.
 */
import { existsSync, readFileSync, realpathSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inspectLock } from '../backends/sql/lock.js';

/** Names of the agent's files in the data directory start with this (the data directory check lets them be). */
export const AGENT_FILE_PREFIX = '.noetl-agent';

/** `pg` connects to `<host>/.s.PGSQL.<port>` when host is a directory. */
export const AGENT_PORT = 5432;
/** Unix socket paths are limited to 107 bytes (104 on macOS). */
const MAX_SOCKET_PATH = 100;

export const agentSocketPath = (dataDir: string) => join(dataDir, `.s.PGSQL.${AGENT_PORT}`);
export const agentHandshakePath = (dataDir: string) => join(dataDir, `${AGENT_FILE_PREFIX}.json`);
export const agentLogPath = (dataDir: string) => join(dataDir, `${AGENT_FILE_PREFIX}.log`);
/** Created (O_EXCL) by the command that starts an agent, removed by the agent once it serves: two commands at once start one. */
export const agentStartingPath = (dataDir: string) => join(dataDir, `${AGENT_FILE_PREFIX}.starting`);

/** Whether the data directory's socket path fits a Unix socket address (else the in-process mode is used). */
export const socketPathFits = (dataDir: string) => Buffer.byteLength(agentSocketPath(dataDir)) <= MAX_SOCKET_PATH;

/** The handshake file: the agent's identity and state. */
export interface AgentHandshake {
  pid: number;
  /** The build that started it: a command of another build replaces it. */
  build: string;
  socket: string;
  schema: string;
  started_at: string;
  idle_timeout_ms: number;
  connections: number;
  last_activity_at: string;
  /**
   * The agent brought its schema up to this build's migrations when it started (nothing but
   * commands of this build, through it, touches the database while it runs, and they only
   * migrate forward): its clients skip their own schema check.
   */
  schema_current?: boolean;
}

let root: string | undefined;

/** The noetl checkout or package this code runs from: the folder with bin/noetl (from src/agent/ or dist/chunks/). */
export function packageRoot(): string {
  if (root === undefined) {
    let dir = dirname(fileURLToPath(import.meta.url));
    while (!existsSync(join(dir, 'bin', 'noetl')) && dirname(dir) !== dir) dir = dirname(dir);
    root = dir;
  }
  return root;
}

/**
 * This build's id: the size and time of the bundle an agent is started from (each build writes
 * it anew), so a command and the agent it would start agree, and an agent of an older build differs.
 */
export function buildId(): string {
  try {
    const bundle = statSync(join(packageRoot(), 'dist', 'noetl.js'));
    return `${bundle.size.toString(36)}-${Math.round(bundle.mtimeMs).toString(36)}`;
  } catch {
    return 'unbuilt';
  }
}

export function readHandshake(dataDir: string): AgentHandshake | undefined {
  try {
    const parsed = JSON.parse(readFileSync(agentHandshakePath(dataDir), 'utf8')) as Partial<AgentHandshake>;
    if (typeof parsed.pid === 'number' && typeof parsed.build === 'string' && typeof parsed.socket === 'string') return parsed as AgentHandshake;
  } catch {
    /* none, or half written by hand: no agent */
  }
  return undefined;
}

/** Written beside and renamed into place: a reader sees the old file or the new one. */
export function writeHandshake(dataDir: string, handshake: AgentHandshake): void {
  const path = agentHandshakePath(dataDir);
  writeFileSync(`${path}.${process.pid}`, JSON.stringify(handshake), { mode: 0o600 });
  renameSync(`${path}.${process.pid}`, path);
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The handshake of the agent that runs now: its pid alive and holding the data directory's lock (a reused pid is not it). */
export function liveAgent(dataDir: string): AgentHandshake | undefined {
  const handshake = readHandshake(dataDir);
  if (!handshake || !processAlive(handshake.pid)) return undefined;
  return inspectLock(`${dataDir}.lock`)?.holder?.pid === handshake.pid ? handshake : undefined;
}

/** What `noetl db agent status`, `db info` and `noetl status` show. */
export interface AgentDescription {
  data_dir: string;
  running: boolean;
  pid: number | null;
  socket: string | null;
  build: string | null;
  /** False when the agent is of another build (the next command replaces it). */
  current_build: boolean | null;
  started_at: string | null;
  uptime_seconds: number | null;
  connections: number | null;
  idle_timeout_seconds: number | null;
  last_activity_at: string | null;
  log: string;
}

/**
 * The agent of an embedded data directory, read from its files without connecting (so it never
 * starts one or keeps one alive). For `noetl status` and `noetl db agent status`.
 */
export function describeAgent(configured: string, now: Date = new Date()): AgentDescription {
  const dataDir = realDir(configured);
  const agent = liveAgent(dataDir);
  return {
    data_dir: dataDir,
    running: agent !== undefined,
    pid: agent?.pid ?? null,
    socket: agent?.socket ?? null,
    build: agent?.build ?? null,
    current_build: agent ? agent.build === buildId() : null,
    started_at: agent?.started_at ?? null,
    uptime_seconds: agent ? Math.max(0, Math.round((now.getTime() - Date.parse(agent.started_at)) / 1000)) : null,
    connections: agent?.connections ?? null,
    idle_timeout_seconds: agent ? Math.round(agent.idle_timeout_ms / 1000) : null,
    last_activity_at: agent?.last_activity_at ?? null,
    log: agentLogPath(dataDir),
  };
}

/** The data directory as the agent names it (symlinks followed), without creating anything. */
export function realDir(dataDir: string): string {
  try {
    return realpathSync(dataDir);
  } catch {
    return resolve(dataDir);
  }
}
