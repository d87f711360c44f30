/**
 * The agent process (`noetl db agent serve`, hidden; started by the first command on an embedded
 * data directory, src/agent/client.ts): it takes the data directory's lock, opens PGlite once,
 * brings the schema up to date, and serves the PostgreSQL protocol on a Unix socket in the data
 * directory until it has been idle for its idle time, or gets SIGTERM (`noetl db agent stop`).
 */
import { rmSync } from 'node:fs';
import { embeddedStore, migrateIfBehind, openEmbeddedDatabase } from '../backends/sql/connect.js';
import { NoetlError } from '../core/errors.js';
import { agentHandshakePath, agentSocketPath, agentStartingPath, buildId, liveAgent, realDir, writeHandshake, type AgentHandshake } from './files.js';
import { serveDatabase } from './server.js';

export interface AgentOptions {
  dataDir: string;
  schema: string;
  idleMs: number;
  /** Resolves when the agent is to stop (SIGTERM), with the reason. */
  stopped: Promise<string>;
  /** One line to the agent's log. */
  log(message: string): void;
}

/** Runs the agent until it stops; resolves once the database is closed and the lock released. */
export async function runAgent(options: AgentOptions): Promise<void> {
  const config = { backend: 'embedded' as const, dataDir: options.dataDir, schema: options.schema, source: 'agent' };
  options.log(`starting for ${options.dataDir} (pid ${process.pid}, started by pid ${process.ppid})`);
  const opened = await openAsOnlyAgent(config, options.log);
  if (!opened) {
    options.log('another agent serves this data directory: leaving');
    return;
  }
  const { db, dataDir } = opened;
  let server: Awaited<ReturnType<typeof serveDatabase>> | undefined;
  try {
    const schemaCurrent = await migrateInProcess(opened, options.schema, options.log);
    const started = new Date();
    const handshake: AgentHandshake = {
      pid: process.pid,
      build: buildId(),
      socket: agentSocketPath(dataDir),
      schema: options.schema,
      started_at: started.toISOString(),
      idle_timeout_ms: options.idleMs,
      connections: 0,
      last_activity_at: started.toISOString(),
      schema_current: schemaCurrent,
    };
    let idleTimer: NodeJS.Timeout | undefined;
    let idle!: (reason: string) => void;
    const idleStop = new Promise<string>((resolve) => (idle = resolve));
    const armIdle = (connections: number) => {
      clearTimeout(idleTimer);
      if (connections === 0) idleTimer = setTimeout(() => idle(`idle for ${Math.round(options.idleMs / 1000)}s`), options.idleMs);
    };
    server = await serveDatabase(db, handshake.socket, {
      onConnections(connections) {
        Object.assign(handshake, { connections, last_activity_at: new Date().toISOString() });
        writeHandshake(dataDir, handshake);
        armIdle(connections);
      },
      onError: (err) => options.log(`client error: ${err.message}`),
    });
    writeHandshake(dataDir, handshake);
    rmSync(agentStartingPath(dataDir), { force: true });
    armIdle(0);
    options.log(`serving ${dataDir} on ${handshake.socket} (pid ${process.pid}, build ${handshake.build})`);
    const reason = await Promise.race([options.stopped, idleStop]);
    clearTimeout(idleTimer);
    options.log(`stopping: ${reason}`);
  } finally {
    await server?.close();
    rmSync(agentHandshakePath(dataDir), { force: true });
    rmSync(agentSocketPath(dataDir), { force: true });
    await opened.close();
    options.log('stopped');
  }
}

/** Migrates on start, over an in-process connection, so the commands that connect find the schema current; false when that failed. */
async function migrateInProcess(opened: Awaited<ReturnType<typeof openEmbeddedDatabase>>, schema: string, log: (message: string) => void): Promise<boolean> {
  const store = await embeddedStore(opened, schema, () => new Date(), async () => undefined);
  try {
    await migrateIfBehind(store);
    return true;
  } catch (err) {
    // Served all the same: each command checks the schema itself and reports what is wrong.
    log(`migration on start failed: ${(err as Error).message}`);
    return false;
  } finally {
    await store.close();
  }
}

/**
 * The data directory's database, once its lock is ours. A command in process may hold the lock
 * for a while: wait for it (15 s). Undefined when another agent serves the directory (a start
 * that raced ours): this one leaves at once, rather than wait and take over once that one stops.
 */
async function openAsOnlyAgent(config: Parameters<typeof openEmbeddedDatabase>[0], log: (line: string) => void) {
  const deadline = performance.now() + 15_000;
  for (;;) {
    try {
      return await openEmbeddedDatabase(config, { lockTimeoutMs: 0, command: 'noetl db agent serve', warn: log });
    } catch (err) {
      if (!(err instanceof NoetlError && err.code === 'conflict') || performance.now() >= deadline) throw err;
    }
    if (liveAgent(realDir(config.dataDir))) return undefined;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
