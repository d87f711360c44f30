import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Pool, PoolClient } from 'pg';
import { CliError, ExitCode } from '../core/errors.js';
import type { ConnectionConfig } from './config.js';
import { maskUrl } from './config.js';
import { acquireDirLock, type DirLock } from './lock.js';
import { assertMigrated, migrate, migrationStatus } from './migrate.js';
import type { Queryable, QueryResult, Store, StoreInfo } from './store.js';

export interface OpenOptions {
  /** How long to wait for another process's lock on an embedded data directory. */
  lockTimeoutMs?: number;
  /** Named in the lock file, so a waiting process can say who holds it. */
  command?: string;
  clock?: () => Date;
  /**
   * auto: migrate the embedded backend on first use, require a current schema on PostgreSQL;
   * none: no check (the `db` commands, which inspect and migrate themselves).
   */
  schemaCheck?: 'auto' | 'none';
  /** PostgreSQL pool size (concurrent connections). */
  poolSize?: number;
}

/** Opens the configured backend. Loads pg (and PGlite) only here, so commands that need no database never do. */
export async function openStore(config: ConnectionConfig, options: OpenOptions = {}): Promise<Store> {
  const store = config.backend === 'embedded' ? await openEmbedded(config, options) : await openPostgres(config, options);
  try {
    if (options.schemaCheck !== 'none') {
      // Embedded: migrate on first use. Reading the ledger is enough when it is current, which
      // spares every command the lock and the DDL that migrate() takes.
      if (config.backend === 'embedded') {
        const states = await migrationStatus(store, store.info.schema);
        if (states.some((s) => s.status !== 'applied')) await migrate(store);
      }
      else await assertMigrated(store);
    }
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}

class PoolStore implements Store {
  constructor(
    private readonly pool: Pool,
    readonly info: StoreInfo,
    private readonly clock: () => Date,
    private readonly onClose: () => Promise<void>,
    private readonly mapError: (err: unknown) => unknown,
  ) {}

  now(): Date {
    return this.clock();
  }

  async query<R>(text: string, params?: unknown[]): Promise<QueryResult<R>> {
    try {
      const result = await this.pool.query(text, params as unknown[]);
      return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
    } catch (err) {
      throw this.mapError(err);
    }
  }

  async session<T>(fn: (conn: Queryable) => Promise<T>): Promise<T> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw this.mapError(err);
    }
    try {
      return await fn(clientQueryable(client));
    } finally {
      client.release();
    }
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.session(async (conn) => {
      await conn.query('BEGIN');
      try {
        const result = await fn(conn);
        await conn.query('COMMIT');
        return result;
      } catch (err) {
        await conn.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
    });
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => undefined);
    await this.onClose();
  }
}

function clientQueryable(client: PoolClient): Queryable {
  return {
    async query<R>(text: string, params?: unknown[]) {
      const result = await client.query(text, params as unknown[]);
      return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
    },
  };
}

async function loadPg(): Promise<typeof import('pg')> {
  const mod = await import('pg');
  return (mod as unknown as { default?: typeof import('pg') }).default ?? mod;
}

async function openPostgres(config: Extract<ConnectionConfig, { backend: 'postgres' }>, options: OpenOptions): Promise<Store> {
  const pg = await loadPg();
  const schema = config.schema;
  const pool = new pg.Pool({
    connectionString: config.connectionString,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: 10_000,
    // Set at connection start-up, so no query can run before it.
    options: `-c search_path="${schema}"`,
  });
  const where = describeServer(config.connectionString);
  // An idle client that loses its server must not crash the process.
  pool.on('error', () => undefined);
  const info: StoreInfo = {
    backend: 'postgres',
    location: config.connectionString ? maskUrl(config.connectionString) : `${where} (from ${config.source})`,
    schema,
  };
  return new PoolStore(pool, info, options.clock ?? (() => new Date()), async () => undefined, (err) => mapPgError(err, where));
}

function describeServer(connectionString?: string): string {
  let host = process.env.PGHOST || 'localhost';
  let port = process.env.PGPORT || '5432';
  if (connectionString) {
    try {
      const url = new URL(connectionString);
      host = url.hostname || host;
      port = url.port || '5432';
    } catch {
      /* not a URL: keep the PG* defaults */
    }
  }
  return `${host}:${port}`;
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'EHOSTUNREACH', 'ECONNRESET', 'EAI_AGAIN']);

function mapPgError(err: unknown, where: string): unknown {
  if (err instanceof CliError) return err;
  const e = err as { code?: string; message?: string };
  if ((e.code && UNREACHABLE.has(e.code)) || /timeout expired|Connection terminated/.test(e.message ?? '')) {
    return new CliError(
      `cannot reach PostgreSQL at ${where} (${e.code ?? e.message}): check that the server is running and that --database-url, NOETL_DATABASE_URL or PGHOST/PGPORT point at it`,
      ExitCode.failure,
    );
  }
  if (e.code === '28P01' || e.code === '28000') {
    return new CliError(`PostgreSQL at ${where} refused the login: ${e.message}; check the user and password in the connection URL`, ExitCode.failure);
  }
  if (e.code === '3D000') {
    return new CliError(`PostgreSQL at ${where}: ${e.message}; create the database or fix the connection URL`, ExitCode.failure);
  }
  return err;
}

async function openEmbedded(config: Extract<ConnectionConfig, { backend: 'embedded' }>, options: OpenOptions): Promise<Store> {
  const dataDir = resolve(config.dataDir);
  mkdirSync(dirname(dataDir), { recursive: true, mode: 0o700 });
  const lock: DirLock = await acquireDirLock(`${dataDir}.lock`, options.lockTimeoutMs ?? 30_000, options.command ?? 'noetl');
  try {
    // Under the lock: a directory another process is creating right now is not yet complete.
    checkDataDir(dataDir);
    const [{ PGlite }, { createPgConfig }, pg] = await Promise.all([
      import('@electric-sql/pglite'),
      import('@electric-sql/pglite/node-postgres'),
      loadPg(),
    ]);
    let db: InstanceType<typeof PGlite>;
    try {
      // PGlite starts with 128MB of shared buffers, which it zeroes at every start: a CLI's
      // small working set needs far less, and the smaller pool halves start-up memory.
      db = await PGlite.create(dataDir, { postgresqlconf: 'shared_buffers=8MB' });
    } catch (err) {
      throw new CliError(`cannot open the data directory ${dataDir}: ${(err as Error).message}; is it a PGlite data directory?`, ExitCode.failure);
    }
    const schema = config.schema;
    await db.exec(`CREATE SCHEMA IF NOT EXISTS "${schema}"; SET search_path TO "${schema}"`);
    const pool = new pg.Pool(createPgConfig(db) as unknown as import('pg').PoolConfig);
    const info: StoreInfo = { backend: 'embedded', location: dataDir, schema };
    return new PoolStore(
      pool,
      info,
      options.clock ?? (() => new Date()),
      async () => {
        await db.close().catch(() => undefined);
        lock.release();
      },
      (err) => err,
    );
  } catch (err) {
    lock.release();
    throw err;
  }
}

/** Refuses a directory that holds something other than a database: nothing there is overwritten. */
function checkDataDir(dataDir: string): void {
  if (!existsSync(dataDir)) return;
  if (!statSync(dataDir).isDirectory()) {
    throw new CliError(`data directory ${dataDir} is a file, not a directory: choose another --data-dir`, ExitCode.usage);
  }
  const entries = readdirSync(dataDir);
  if (entries.length > 0 && !entries.includes('PG_VERSION')) {
    throw new CliError(
      `${dataDir} is not a PGlite/PostgreSQL data directory (no PG_VERSION) and is not empty: choose an empty or new --data-dir; nothing was written`,
      ExitCode.usage,
    );
  }
}
