import { AsyncLocalStorage } from 'node:async_hooks';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, renameSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import type { Pool, PoolClient } from 'pg';
import { maskUrl } from '../../core/database-url.js';
import { NoetlError, invalidError, type ErrorHint } from '../../core/errors.js';
import { AGENT_FILE_PREFIX, agentHandshakePath, packageRoot } from '../../agent/files.js';
import { acquireDirLock, type DirLock } from './lock.js';
import { assertMigrated, migrate, migrationStatus } from './migrate.js';
import type { PoolUse, Queryable, QueryOptions, QueryResult, Store, StoreInfo } from './store.js';

/** Where the database is: an embedded data directory or a PostgreSQL server, and the schema; source says where that setting came from. */
export type ConnectionConfig =
  | { backend: 'embedded'; dataDir: string; schema: string; source: string; agent?: AgentSettings }
  | {
      backend: 'postgres';
      connectionString?: string;
      schema: string;
      source: string;
      /**
       * The libpq variables that fill in what the URL leaves out, from the caller's environment
       * (not the process's), so a command run in process connects where its environment says.
       */
      pgEnv?: PgEnv;
    };

/** The libpq variables noetl passes to pg. */
export type PgEnv = Partial<Record<'PGHOST' | 'PGPORT' | 'PGUSER' | 'PGPASSWORD' | 'PGDATABASE' | 'PGSSLMODE', string>>;

/** Set: the embedded database is served by a per-data-directory agent process (src/agent/), which commands connect to. */
export interface AgentSettings {
  /** The agent exits after this long without a connection. */
  idleMs: number;
}

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
  /** Warnings about the data directory (its modes tightened); the store never prints. */
  warn?(message: string): void;
}

/** Opens the configured backend. Loads pg (and PGlite) only here, so commands that need no database never do. */
export async function openStore(config: ConnectionConfig, options: OpenOptions = {}): Promise<Store> {
  const viaAgent = config.backend === 'embedded' && config.agent ? await (await import('../../agent/client.js')).openThroughAgent(config, config.agent, options) : undefined;
  const store = viaAgent?.store ?? (config.backend === 'postgres' ? await openPostgres(config, options) : await openEmbedded(config, options));
  try {
    // An agent that migrated its schema when it started spares every command the check.
    if (options.schemaCheck !== 'none' && !viaAgent?.schemaCurrent) {
      // Embedded: migrate on first use. Reading the ledger is enough when it is current, which
      // spares every command the lock and the DDL that migrate() takes.
      if (config.backend === 'embedded') await migrateIfBehind(store);
      else await assertMigrated(store);
    }
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}

/** Migrates a store whose schema is behind; reading the ledger is all it costs when it is current. */
export async function migrateIfBehind(store: Store): Promise<void> {
  const states = await migrationStatus(store, store.info.schema);
  if (states.some((s) => s.status !== 'applied')) await migrate(store);
}

export class PoolStore implements Store {
  /**
   * Set while code runs inside session() or transaction() of this store. With one connection
   * (the embedded database has exactly one) a query on the store from inside would wait for
   * that connection forever: it fails at once instead, naming the mistake.
   */
  private readonly inside = new AsyncLocalStorage<PoolStore>();
  singleFlight?: <T>(name: string, holder: () => Promise<T>, waiter: () => Promise<T>) => Promise<T>;

  constructor(
    private readonly pool: Pool,
    readonly info: StoreInfo,
    private readonly clock: () => Date,
    private readonly onClose: () => Promise<void>,
    private readonly mapError: (err: unknown) => unknown,
    /**
     * The embedded database, in process (a pool of its one connection) or through its agent
     * (connections that share PGlite's one session, one transaction at a time): either way a
     * query on the store from inside its own transaction would wait for that transaction forever.
     */
    private readonly embedded = false,
  ) {}

  now(): Date {
    return this.clock();
  }

  poolUse(): PoolUse {
    return { total: this.pool.totalCount, idle: this.pool.idleCount, waiting: this.pool.waitingCount, max: this.pool.options.max ?? 10 };
  }

  /** Refuses a store query from inside this store's own session on the embedded database (it would never get its turn). */
  private refuseNested(what: string): void {
    if (this.embedded && this.inside.getStore() === this) {
      throw new NoetlError(
        'internal',
        `${what} on the store from inside its own ${what === 'a session' ? 'session' : 'transaction or session'}: the embedded database has one connection, which that holds; run the query on the transaction's connection (the argument of the callback)`,
      );
    }
  }

  async query<R>(text: string, params?: unknown[], options?: QueryOptions): Promise<QueryResult<R>> {
    this.refuseNested('a query');
    // pg's pool.query discards its client after any failed statement; the in-process embedded
    // database's one client takes the database connection with it, and every later query would
    // fail ("Connection terminated"); through the agent it would cost a reconnect. A session
    // hands the client back whole.
    try {
      if (this.embedded) return await this.session((conn) => conn.query<R>(text, params));
      const result = await this.pool.query({ text, values: params as unknown[], name: options?.prepare });
      return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
    } catch (err) {
      throw this.mapError(err);
    }
  }

  async session<T>(fn: (conn: Queryable) => Promise<T>): Promise<T> {
    this.refuseNested('a session');
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw this.mapError(err);
    }
    try {
      return await this.inside.run(this, () => fn(clientQueryable(client, !this.embedded)));
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

/** A pooled connection as a Queryable; `prepares`: QueryOptions.prepare is honoured (PostgreSQL, one session per connection). */
function clientQueryable(client: PoolClient, prepares: boolean): Queryable {
  return {
    async query<R>(text: string, params?: unknown[], options?: QueryOptions) {
      const result = await client.query({ text, values: params as unknown[], name: prepares ? options?.prepare : undefined });
      return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
    },
  };
}

export async function loadPg(): Promise<typeof import('pg')> {
  const mod = await import('pg');
  return (mod as unknown as { default?: typeof import('pg') }).default ?? mod;
}

async function openPostgres(config: Extract<ConnectionConfig, { backend: 'postgres' }>, options: OpenOptions): Promise<Store> {
  const pg = await loadPg();
  const schema = config.schema;
  const pool = new pg.Pool({
    ...pgSettings(config.pgEnv),
    connectionString: config.connectionString,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: 10_000,
    // Set at connection start-up, so no query can run before it.
    options: `-c search_path="${schema}"`,
  });
  const where = describeServer(config.connectionString, config.pgEnv);
  // An idle client that loses its server must not crash the process.
  pool.on('error', () => undefined);
  const info: StoreInfo = {
    backend: 'postgres',
    location: config.connectionString ? maskUrl(config.connectionString) : `${where} (from ${config.source})`,
    schema,
  };
  return new PoolStore(pool, info, options.clock ?? (() => new Date()), async () => undefined, (err) => mapPgError(err, where));
}

/**
 * The libpq variables as pg settings (pg itself would read them from process.env);
 * a connection URL still wins over each of them.
 */
function pgSettings(env: PgEnv | undefined): { host?: string; port?: number; user?: string; password?: string; database?: string; ssl?: boolean | { rejectUnauthorized: false } } {
  if (!env) return {};
  const sslmode = env.PGSSLMODE;
  const ssl = sslmode === 'disable' ? false : sslmode === 'no-verify' ? { rejectUnauthorized: false as const } : sslmode && ['prefer', 'require', 'verify-ca', 'verify-full'].includes(sslmode) ? true : undefined;
  const settings = { host: env.PGHOST, port: env.PGPORT ? Number(env.PGPORT) : undefined, user: env.PGUSER, password: env.PGPASSWORD, database: env.PGDATABASE, ssl };
  return Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined && v !== ''));
}

function describeServer(connectionString: string | undefined, env: PgEnv = {}): string {
  let host = env.PGHOST || 'localhost';
  let port = env.PGPORT || '5432';
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

export const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'EHOSTUNREACH', 'ECONNRESET', 'EAI_AGAIN']);

function mapPgError(err: unknown, where: string): unknown {
  if (err instanceof NoetlError) return err;
  const e = err as { code?: string; message?: string };
  if ((e.code && UNREACHABLE.has(e.code)) || /timeout expired|Connection terminated/.test(e.message ?? '')) {
    return new NoetlError('unavailable', `cannot reach PostgreSQL at ${where} (${e.code ?? e.message}): check that the server is running and that the database URL (option or NOETL_DATABASE_URL) or PGHOST/PGPORT point at it`);
  }
  if (e.code === '28P01' || e.code === '28000') {
    return new NoetlError('unavailable', `PostgreSQL at ${where} refused the login: ${e.message}; check the user and password in the connection URL`);
  }
  if (e.code === '3D000') {
    return new NoetlError('unavailable', `PostgreSQL at ${where}: ${e.message}; create the database or fix the connection URL`);
  }
  return err;
}

/**
 * The embedded database. Its directory is the user's own and kept private: 0700, files 0600
 * (PGlite's initdb writes 0666 files, and a looser directory is tightened, with a warning), and
 * while it is open the process umask is 077 (main thread only: workers cannot set it), so the
 * files PostgreSQL creates later are 0600 too (the one it chmods itself is put back). A first
 * start initialises into a temporary directory inside it and moves the result into place,
 * PG_VERSION last: a command killed meanwhile leaves something the next one finishes or starts
 * over, never a half-made database.
 */
async function openEmbedded(config: Extract<ConnectionConfig, { backend: 'embedded' }>, options: OpenOptions): Promise<Store> {
  // An agent (of the default mode) holds the directory until it idles out: in-process mode stops it.
  if (existsSync(agentHandshakePath(config.dataDir))) await (await import('../../agent/client.js')).stopAgentOf(config.dataDir);
  const opened = await openEmbeddedDatabase(config, options);
  try {
    return await embeddedStore(opened, config.schema, options.clock ?? (() => new Date()), opened.close);
  } catch (err) {
    await opened.close();
    throw err;
  }
}

/** A store over an embedded database open in this process; onClose runs after its pool ends. */
export async function embeddedStore(opened: EmbeddedDatabase, schema: string, clock: () => Date, onClose: () => Promise<void>): Promise<PoolStore> {
  const [{ createPgConfig }, pg] = await Promise.all([import('@electric-sql/pglite/node-postgres'), loadPg()]);
  const pool = new pg.Pool(createPgConfig(opened.db) as unknown as import('pg').PoolConfig);
  const info: StoreInfo = { backend: 'embedded', location: opened.dataDir, schema };
  return new PoolStore(pool, info, clock, onClose, (err) => err, true);
}

/** An embedded database open in this process, holding the data directory's lock until closed. */
export interface EmbeddedDatabase {
  db: import('@electric-sql/pglite').PGlite;
  /** The real path of the data directory. */
  dataDir: string;
  close(): Promise<void>;
}

/** Takes the data directory's lock, initialises it on first use, and starts PGlite on it (search_path set to the schema). */
export async function openEmbeddedDatabase(config: Extract<ConnectionConfig, { backend: 'embedded' }>, options: OpenOptions): Promise<EmbeddedDatabase> {
  const dataDir = prepareDataDir(config.dataDir);
  const lock: DirLock = await acquireDirLock(`${dataDir}.lock`, options.lockTimeoutMs ?? 30_000, options.command ?? 'noetl');
  const restoreUmask = holdPrivateUmask();
  try {
    // Under the lock: a directory another process is creating right now is not yet complete.
    osStep('finish the interrupted set-up of', dataDir, () => finishInterruptedInit(dataDir));
    checkDataDir(dataDir);
    const { PGlite } = await import('@electric-sql/pglite');
    // PGlite starts with 128MB of shared buffers, which it zeroes at every start: a CLI's
    // small working set needs far less, and the smaller pool halves start-up memory.
    // (scripts/build.mjs makes dist/initdb.tar.gz with the same setting.)
    const start = (dir: string, loadDataDir?: Blob) => PGlite.create(dir, { postgresqlconf: 'shared_buffers=8MB', loadDataDir });
    if (existsSync(join(dataDir, 'PG_VERSION'))) tightenDataDir(dataDir, options.warn);
    else await initialiseDataDir(dataDir, async (dir) => (await startNew(dir, start)).close());
    let db: InstanceType<typeof PGlite>;
    try {
      db = await start(dataDir);
    } catch (err) {
      throw new NoetlError('unavailable', `cannot open the data directory ${dataDir}: ${(err as Error).message}; is it a PGlite data directory?`);
    }
    privateRelcacheFiles(dataDir);
    await db.exec(`CREATE SCHEMA IF NOT EXISTS "${config.schema}"; SET search_path TO "${config.schema}"`);
    return {
      db,
      dataDir,
      async close() {
        await db.close().catch(() => undefined);
        privateRelcacheFiles(dataDir);
        restoreUmask();
        lock.release();
      },
    };
  } catch (err) {
    restoreUmask();
    lock.release();
    throw err;
  }
}

/** The data directory's real path, checked to be the user's own, its parent created. */
export function prepareDataDir(configured: string): string {
  const dataDir = realDataDir(configured);
  refuseForeignDir(dataDir);
  osStep('create the parent directory of', dataDir, () => mkdirSync(dirname(dataDir), { recursive: true, mode: 0o700 }));
  return dataDir;
}

/** The directory itself, symlinks followed: PGlite needs a real path, and two links to one directory share one lock. */
function realDataDir(dataDir: string): string {
  const path = resolve(dataDir);
  try {
    return realpathSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return path;
  }
  let link: ReturnType<typeof lstatSync> | undefined;
  try {
    link = lstatSync(path);
  } catch {
    return path; // does not exist yet: created on first use
  }
  if (link.isSymbolicLink()) throw invalidError(`data directory ${path} is a symbolic link to a directory that does not exist: create the directory it points to, or choose another data directory`, { hint: OTHER_DATA_DIR });
  return path;
}

/** Ends the messages that ask for another data directory (the CLI renders `use --data-dir DIR`). */
const OTHER_DATA_DIR: ErrorHint = { option: 'data-dir', text: 'DIR' };

/** The data holds secrets: a directory of another user is neither ours to tighten nor safe to write. */
function refuseForeignDir(dataDir: string): void {
  if (typeof process.geteuid !== 'function') return;
  let owner: number;
  try {
    owner = statSync(dataDir).uid;
  } catch {
    return; // does not exist yet
  }
  if (owner !== process.geteuid()) {
    throw invalidError(`data directory ${dataDir} belongs to another user (uid ${owner}): noetl keeps secrets there and uses only a directory of your own; choose another data directory`, { hint: OTHER_DATA_DIR });
  }
}

/** Runs a file-system step; permission and similar errors become one clear line (exit 2). */
export function osStep<T>(what: string, path: string, step: () => T): T {
  try {
    return step();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reasons: Record<string, string> = { EACCES: 'permission denied', EPERM: 'permission denied', EROFS: 'read-only file system', ENOTDIR: 'a part of the path is not a directory', ENOSPC: 'no space left on the device' };
    if (code && Object.hasOwn(reasons, code)) throw invalidError(`cannot ${what} ${path}: ${reasons[code]}; choose a data directory you can write to`, { hint: OTHER_DATA_DIR });
    throw err;
  }
}

let privateUmaskHolders = 0;
let savedUmask = 0;

/** Umask 077 while an embedded store is open (nested opens share it); returns the undo. */
function holdPrivateUmask(): () => void {
  if (!isMainThread) return () => undefined;
  if (privateUmaskHolders++ === 0) savedUmask = process.umask(0o077);
  let done = false;
  return () => {
    if (done) return;
    done = true;
    if (--privateUmaskHolders === 0) process.umask(savedUmask);
  };
}

/** Where a first start initialises (inside the data directory: a mount point cannot be renamed onto). */
const INIT_PREFIX = '.noetl-init-';
/** The initialised database, complete, while its entries move into place. */
const INIT_READY = '.noetl-init-ready';

/**
 * PGlite on a new directory: started from what initdb made at build time (dist/initdb.tar.gz: the
 * same for every data directory, and initdb is most of a first start's seconds), else by initdb.
 */
async function startNew<T>(dir: string, start: (dir: string, loadDataDir?: Blob) => Promise<T>): Promise<T> {
  let archive: Buffer | undefined;
  try {
    archive = readFileSync(join(packageRoot(), 'dist', 'initdb.tar.gz'));
  } catch {
    /* not built (tests from a fresh clone): initdb */
  }
  if (archive) {
    try {
      return await start(dir, new Blob([archive]));
    } catch {
      // Of another PGlite than node_modules has now: initdb, in the directory emptied.
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { mode: 0o700 });
    }
  }
  return start(dir);
}

async function initialiseDataDir(dataDir: string, initdb: (dir: string) => Promise<void>): Promise<void> {
  osStep('create the data directory', dataDir, () => mkdirSync(dataDir, { recursive: true, mode: 0o700 }));
  const building = osStep('write to the data directory', dataDir, () => mkdtempSync(join(dataDir, INIT_PREFIX)));
  try {
    await initdb(building);
  } catch (err) {
    rmSync(building, { recursive: true, force: true });
    throw new NoetlError('unavailable', `cannot initialise the data directory ${dataDir}: ${(err as Error).message}`);
  }
  privateModes(building);
  renameSync(building, join(dataDir, INIT_READY));
  moveIntoPlace(dataDir);
}

/** A killed first start left a complete database to move into place, or a partial one to remove. */
function finishInterruptedInit(dataDir: string): void {
  if (!existsSync(dataDir) || !statSync(dataDir).isDirectory()) return;
  const entries = readdirSync(dataDir);
  if (entries.includes(INIT_READY)) moveIntoPlace(dataDir);
  for (const entry of entries) {
    if (entry.startsWith(INIT_PREFIX) && entry !== INIT_READY) rmSync(join(dataDir, entry), { recursive: true, force: true });
  }
}

/** Moves the ready database's entries up, PG_VERSION last: until it is there, the move is not done. */
function moveIntoPlace(dataDir: string): void {
  const ready = join(dataDir, INIT_READY);
  const entries = readdirSync(ready).sort((a, b) => Number(a === 'PG_VERSION') - Number(b === 'PG_VERSION'));
  for (const entry of entries) renameSync(join(ready, entry), join(dataDir, entry));
  rmdirSync(ready);
  chmodSync(dataDir, 0o700);
}

/** Directories 0700 and files 0600 under `dir` (itself included); the number of entries changed. */
function privateModes(dir: string): number {
  let changed = 0;
  const visit = (path: string, isDir: boolean) => {
    const mode = lstatSync(path).mode & 0o777;
    const wanted = isDir ? 0o700 : 0o600;
    if (mode !== wanted) {
      chmodSync(path, wanted);
      changed++;
    }
    if (!isDir) return;
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      if (entry.isDirectory() || entry.isFile()) visit(join(path, entry.name), entry.isDirectory());
    }
  };
  visit(dir, true);
  return changed;
}

/**
 * PGlite writes its relation-cache files (pg_internal.init, at start and when the catalog
 * changes) with an explicit chmod to 0644, whatever the umask: put them back to 0600.
 */
function privateRelcacheFiles(dataDir: string): void {
  const base = join(dataDir, 'base');
  const files = [join(dataDir, 'global', 'pg_internal.init'), ...readdirSync(base).map((db) => join(base, db, 'pg_internal.init'))];
  for (const file of files) {
    try {
      if (statSync(file).mode & 0o077) chmodSync(file, 0o600);
    } catch {
      /* not written (yet) */
    }
  }
}

/**
 * A data directory others can enter (made by an older noetl, or by hand) is tightened, with a
 * warning. Checking the directory's own mode is enough on every start: below a 0700 directory
 * nobody else reaches a file, and walking a thousand files would cost every command.
 */
function tightenDataDir(dataDir: string, warn?: (message: string) => void): void {
  const mode = statSync(dataDir).mode & 0o777;
  if ((mode & 0o077) === 0) return;
  const changed = osStep('change the modes in', dataDir, () => privateModes(dataDir));
  warn?.(`data directory ${dataDir} was open to other users (mode ${mode.toString(8).padStart(4, '0')}): tightened it to 0700, and ${changed - 1} file(s) and folder(s) in it to 0600/0700`);
}

/** Refuses a directory that holds something other than a database: nothing there is overwritten. */
function checkDataDir(dataDir: string): void {
  if (!existsSync(dataDir)) return;
  if (!statSync(dataDir).isDirectory()) {
    throw new NoetlError('invalid', `data directory ${dataDir} is a file, not a directory: choose another data directory`, { hint: OTHER_DATA_DIR });
  }
  // The agent's files (src/agent/files.ts) may be there before the database is.
  const entries = readdirSync(dataDir).filter((entry) => !entry.startsWith(AGENT_FILE_PREFIX));
  if (entries.length > 0 && !entries.includes('PG_VERSION')) {
    throw new NoetlError('invalid', `${dataDir} is not a PGlite/PostgreSQL data directory (no PG_VERSION) and is not empty; nothing was written: choose an empty or new data directory`, { hint: OTHER_DATA_DIR });
  }
}

export { maskUrl };
