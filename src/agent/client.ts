/**
 * A command's side of the embedded agent: connect to the data directory's agent with `pg`, as to
 * PostgreSQL, starting one when none runs (or replacing one that died, or is of another build).
 */
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { NoetlError } from '../core/errors.js';
import { acquireDirLock, inspectLock } from '../backends/sql/lock.js';
import { loadPg, osStep, PoolStore, prepareDataDir, UNREACHABLE, type AgentSettings, type ConnectionConfig, type OpenOptions } from '../backends/sql/connect.js';
import type { Store, StoreInfo } from '../backends/sql/store.js';
import { AGENT_FILE_PREFIX, AGENT_PORT, agentLogPath, agentStartingPath, buildId, liveAgent, packageRoot, processAlive, readHandshake, realDir, socketPathFits, type AgentHandshake } from './files.js';

const POLL_MS = 20;
/** A start marker naming no agent, older than this, was left by a command that died while starting one. */
const STARTING_STALE_MS = 5_000;

/**
 * The store of an embedded data directory, through its agent, and whether the agent found or
 * brought its schema current when it started (then the schema needs no check: see the handshake);
 * undefined where an agent cannot serve it (its socket path too long for a Unix socket): the
 * caller opens it in process.
 */
export async function openThroughAgent(
  config: Extract<ConnectionConfig, { backend: 'embedded' }>,
  settings: AgentSettings,
  options: OpenOptions,
): Promise<{ store: Store; schemaCurrent: boolean } | undefined> {
  const dataDir = prepareDataDir(config.dataDir);
  if (!socketPathFits(dataDir)) return undefined;
  // A first start initialises the database, which takes long on a loaded machine.
  const deadline = performance.now() + Math.max(options.lockTimeoutMs ?? 0, 120_000);
  const pg = await loadPg();
  for (;;) {
    const agent = liveAgent(dataDir);
    if (agent && agent.build === buildId()) {
      // Its clients share PGlite's one session, search_path included: one schema per agent.
      if (agent.schema !== config.schema) {
        throw new NoetlError('conflict', `the database agent of ${dataDir} (pid ${agent.pid}) serves schema ${agent.schema}, and this command works in ${config.schema}: an agent serves one schema`, {
          hint: { command: 'db agent stop', text: 'first, or set NOETL_EMBEDDED_AGENT=off' },
        });
      }
      const store = await connect(pg, agent, config, options);
      if (store) return { store, schemaCurrent: agent.schema_current === true };
    } else if (agent) {
      await stopAgent(dataDir, agent, 10_000); // another build's: replaced, not trusted
    } else await startAgent(dataDir, config.schema, settings);
    if (performance.now() >= deadline) {
      throw new NoetlError('unavailable', `the database agent of ${dataDir} did not start: see ${agentLogPath(dataDir)}; or set NOETL_EMBEDDED_AGENT=off to open the database in this process`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/**
 * A pool on the agent's socket, its first connection made (so a dead socket is found here, not in
 * the first query); undefined when it refuses. One connection unless asked for more, as in
 * process: the agent runs one statement at a time, so a second one buys nothing and costs a connect.
 */
async function connect(pg: typeof import('pg'), agent: AgentHandshake, config: { schema: string }, options: OpenOptions): Promise<Store | undefined> {
  const dataDir = agent.socket.slice(0, -`/.s.PGSQL.${AGENT_PORT}`.length);
  const pool = new pg.Pool({ host: dataDir, port: AGENT_PORT, user: 'postgres', database: 'postgres', max: options.poolSize ?? 1, connectionTimeoutMillis: 10_000 });
  pool.on('error', () => undefined);
  // The agent's clients share PGlite's one session; each sets the schema it works in.
  pool.on('connect', (client) => {
    // A connection the agent drops (it was stopped or killed) fails its query; it must not also crash the command.
    client.on('error', () => undefined);
    void client.query(`SET search_path TO "${config.schema}"`).catch(() => undefined);
  });
  try {
    (await pool.connect()).release();
  } catch (err) {
    await pool.end().catch(() => undefined);
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || (code && UNREACHABLE.has(code))) return undefined;
    throw err;
  }
  const info: StoreInfo = { backend: 'embedded', location: dataDir, schema: config.schema };
  // A query on the store from inside one of its transactions would wait for that transaction
  // (the agent runs one at a time) forever: refused at once, as on the in-process database.
  const store = new PoolStore(pool, info, options.clock ?? (() => new Date()), async () => undefined, (err) => mapAgentError(err, dataDir), true);
  store.singleFlight = (name, holder, waiter) => singleFlight(dataDir, name, options.command ?? 'noetl', holder, waiter);
  return store;
}

function mapAgentError(err: unknown, dataDir: string): unknown {
  const e = err as { code?: string; message?: string };
  if ((e.code && UNREACHABLE.has(e.code)) || /Connection terminated/.test(e.message ?? '')) {
    return new NoetlError('unavailable', `lost the connection to the database agent of ${dataDir} (${e.code ?? e.message}): run the command again (a new agent starts); see ${agentLogPath(dataDir)}`);
  }
  return err;
}

/**
 * One caller at a time across processes for `name` (session advisory locks cannot do it here:
 * every client of the agent shares one session): the first runs `holder`, the others wait for it
 * to finish and run `waiter`. A lock file with a heartbeat, so one of a killed process goes.
 */
async function singleFlight<T>(dataDir: string, name: string, command: string, holder: () => Promise<T>, waiter: () => Promise<T>): Promise<T> {
  const path = join(dataDir, `${AGENT_FILE_PREFIX}-flight-${createHash('sha256').update(name).digest('hex').slice(0, 24)}.lock`);
  const held = await acquireDirLock(path, 0, command).catch((err: NoetlError) => {
    if (err.code === 'conflict') return undefined;
    throw err;
  });
  if (held) {
    try {
      return await holder();
    } finally {
      held.release();
    }
  }
  // Wait for the holder to finish; one that died leaves a lock that acquireDirLock breaks.
  for (let seen = inspectLock(path); seen; seen = inspectLock(path)) {
    if (seen.holder && seen.holder.host === hostname() && !processAlive(seen.holder.pid)) {
      (await acquireDirLock(path, 60_000, command)).release();
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return waiter();
}

/**
 * Starts an agent for the data directory, detached, its output to the log in the data directory,
 * unless another command started one a moment ago (the start marker, created O_EXCL).
 */
async function startAgent(dataDir: string, schema: string, settings: AgentSettings): Promise<void> {
  osStep('create the data directory', dataDir, () => mkdirSync(dataDir, { recursive: true, mode: 0o700 }));
  const marker = agentStartingPath(dataDir);
  let fd: number;
  try {
    fd = openSync(marker, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    if (!staleMarker(marker)) return;
    // Left by a start that died: take it over (a racing taker at worst starts a second agent, which finds the lock taken and leaves).
    fd = openSync(marker, 'w', 0o600);
  }
  const log = openSync(agentLogPath(dataDir), 'a', 0o600);
  try {
    // Loaded only to start one: child_process costs every command that finds its agent running.
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, [join(packageRoot(), 'bin', 'noetl'), '--data-dir', dataDir, 'db', 'agent', 'serve'], {
      detached: true,
      stdio: ['ignore', log, log],
      env: { ...process.env, NOETL_SCHEMA: schema, NOETL_AGENT_IDLE_TIMEOUT: `${Math.round(settings.idleMs / 1000)}s`, NOETL_EMBEDDED_AGENT: 'on' },
    });
    writeSync(fd, JSON.stringify({ pid: child.pid, since: new Date().toISOString() }));
    child.unref();
  } finally {
    closeSync(fd);
    closeSync(log);
  }
}

/** A start marker is stale when the agent it names is gone (a start on a loaded machine can take a minute), or it names none and is old. */
function staleMarker(marker: string): boolean {
  try {
    const { pid } = JSON.parse(readFileSync(marker, 'utf8')) as { pid?: number };
    if (typeof pid === 'number') return !processAlive(pid);
  } catch {
    /* gone, or not written yet */
  }
  try {
    return Date.now() - statSync(marker).mtimeMs > STARTING_STALE_MS;
  } catch {
    return true;
  }
}

/** Stops the agent of a data directory if one runs (before opening it in process). */
export async function stopAgentOf(dataDir: string): Promise<void> {
  const dir = realDir(dataDir);
  const agent = liveAgent(dir);
  if (agent && !(await stopAgent(dir, agent))) throw new NoetlError('conflict', `the database agent of ${dir} (pid ${agent.pid}) did not stop: run noetl db agent stop, or kill ${agent.pid}`);
}

/** Asks the agent to stop (SIGTERM) and waits until it has let go of the data directory; false when it did not in time. */
export async function stopAgent(dataDir: string, agent: AgentHandshake | undefined = liveAgent(dataDir), timeoutMs = 10_000): Promise<boolean> {
  if (!agent) return true;
  try {
    process.kill(agent.pid, 'SIGTERM');
  } catch {
    return true; // gone already
  }
  const deadline = performance.now() + timeoutMs;
  while (processAlive(agent.pid) && readHandshake(dataDir)?.pid === agent.pid) {
    if (performance.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  // The handshake goes just before the lock: wait for the lock too.
  while (processAlive(agent.pid)) {
    if (performance.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return true;
}
