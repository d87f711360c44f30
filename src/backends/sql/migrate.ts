import { createHash } from 'node:crypto';
import { NoetlError } from '../../core/errors.js';
import initial from './migrations/0001_initial.sql?raw';
import serviceTokens from './migrations/0002_service_tokens.sql?raw';
import gatewayAuth from './migrations/0003_gateway_auth.sql?raw';
import type { DatabaseInfo } from '../../api/admin.js';
import type { Queryable, Store } from './store.js';

/**
 * The migrations this build ships, as text in the bundle (esbuild and vitest load `?raw` as a
 * string): dist/ needs no migrations folder. A new migration file gets its line here; a test
 * checks that this list and src/backends/sql/migrations agree.
 */
export const BUNDLED_MIGRATIONS: Readonly<Record<string, string>> = {
  '0001_initial.sql': initial,
  '0002_service_tokens.sql': serviceTokens,
  '0003_gateway_auth.sql': gatewayAuth,
};

export interface Migration {
  version: number;
  name: string;
  file: string;
  sql: string;
  sha256: string;
}

export interface MigrationState {
  version: number;
  name: string;
  sha256: string;
  appliedAt?: Date;
  status: 'applied' | 'pending' | 'changed';
}

/** Migrations from file names (`0001_initial.sql`) and their text, in version order. */
export function loadMigrations(files: Readonly<Record<string, string>> = BUNDLED_MIGRATIONS): Migration[] {
  return Object.keys(files)
    .filter((file) => /^\d{4}_[a-z0-9_]+\.sql$/.test(file))
    .sort()
    .map((file) => {
      const sql = files[file];
      return {
        version: Number(file.slice(0, 4)),
        name: file.replace(/^\d{4}_|\.sql$/g, ''),
        file,
        sql,
        sha256: createHash('sha256').update(sql).digest('hex'),
      };
    });
}

const LEDGER = 'schema_migrations';

/** The advisory lock key that serialises migrations of one schema across processes. */
const lockKey = (schema: string) => `noetl.migrate.${schema}`;

type Ledger = Map<number, { sha256: string; applied_at: Date; name: string }>;

/** The applied migrations, or undefined when the schema has no ledger yet. */
async function readLedger(db: Queryable, schema: string): Promise<Ledger | undefined> {
  const { rows: exists } = await db.query<{ ok: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2) AS ok`,
    [schema, LEDGER],
  );
  if (!exists[0].ok) return undefined;
  const { rows } = await db.query<{ version: number; name: string; sha256: string; applied_at: Date }>(
    `SELECT version, name, sha256, applied_at FROM "${schema}".${LEDGER} ORDER BY version`,
  );
  return new Map(rows.map((row) => [Number(row.version), row]));
}

function statusOf(applied: Ledger, migrations: Migration[]): MigrationState[] {
  return migrations.map((m) => {
    const row = applied.get(m.version);
    if (!row) return { version: m.version, name: m.name, sha256: m.sha256, status: 'pending' as const };
    return {
      version: m.version,
      name: m.name,
      sha256: row.sha256,
      appliedAt: row.applied_at,
      status: row.sha256 === m.sha256 ? ('applied' as const) : ('changed' as const),
    };
  });
}

export async function migrationStatus(
  db: Queryable,
  schema: string,
  migrations: Migration[] = loadMigrations(),
): Promise<MigrationState[]> {
  return statusOf((await readLedger(db, schema)) ?? new Map(), migrations);
}

function refuseChanged(state: MigrationState[], migrations: Migration[]): void {
  const changed = state.find((s) => s.status === 'changed');
  if (!changed) return;
  const file = migrations.find((m) => m.version === changed.version)!.file;
  throw new NoetlError('unavailable', `migration ${file} was applied with sha256 ${changed.sha256.slice(0, 12)}… but the file has changed since: ` +
      `restore the applied version and put the change in a new migration file`);
}

export interface MigrateResult {
  applied: Migration[];
  version: number;
}

/**
 * Applies pending migrations, each in its own transaction, under a session advisory
 * lock: processes that migrate at once queue on the lock, re-read the ledger when they
 * get it, and so apply each migration exactly once.
 */
export async function migrate(store: Store, migrations: Migration[] = loadMigrations()): Promise<MigrateResult> {
  const schema = store.info.schema;
  return store.session(async (conn) => {
    await conn.query('SELECT pg_advisory_lock(hashtext($1))', [lockKey(schema)]);
    try {
      await conn.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
      await conn.query(
        `CREATE TABLE IF NOT EXISTS "${schema}".${LEDGER} (
           version INTEGER PRIMARY KEY, name TEXT NOT NULL, sha256 TEXT NOT NULL,
           applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`,
      );
      const state = await migrationStatus(conn, schema, migrations);
      refuseChanged(state, migrations);
      const pending = migrations.filter((m) => state.find((s) => s.version === m.version)?.status === 'pending');
      for (const m of pending) {
        await conn.query('BEGIN');
        try {
          await conn.query(`SET LOCAL search_path TO "${schema}"`);
          await conn.query(m.sql);
          await conn.query(`INSERT INTO "${schema}".${LEDGER} (version, name, sha256) VALUES ($1, $2, $3)`, [m.version, m.name, m.sha256]);
          await conn.query('COMMIT');
        } catch (err) {
          await conn.query('ROLLBACK');
          throw new NoetlError('unavailable', `migration ${m.file} failed and was rolled back: ${(err as Error).message}`);
        }
      }
      return { applied: pending, version: migrations.length ? migrations[migrations.length - 1].version : 0 };
    } finally {
      await conn.query('SELECT pg_advisory_unlock(hashtext($1))', [lockKey(schema)]);
    }
  });
}

/** For every command but `db …`: the schema must exist and be current. */
export async function assertMigrated(store: Store, migrations: Migration[] = loadMigrations()): Promise<void> {
  const schema = store.info.schema;
  const ledger = await readLedger(store, schema);
  if (!ledger) throw new NoetlError('unavailable', `schema ${schema} is not initialised: run \`noetl db migrate\``);
  const state = statusOf(ledger, migrations);
  refuseChanged(state, migrations);
  const pending = state.filter((s) => s.status === 'pending');
  if (pending.length) {
    throw new NoetlError('unavailable', `schema ${schema} has ${pending.length} pending migration(s) (next: ${pending[0].version} ${pending[0].name}): run \`noetl db migrate\``);
  }
}

/** What `noetl db info` shows; the location's password is already masked by the store. */
export async function databaseInfo(store: Store, migrations: Migration[] = loadMigrations()): Promise<DatabaseInfo> {
  const states = await migrationStatus(store, store.info.schema, migrations);
  const applied = states.filter((s) => s.status !== 'pending').map((s) => s.version);
  const { rows } = await store.query<{ server_version: string }>('SHOW server_version');
  return {
    backend: store.info.backend,
    location: store.info.location,
    schema: store.info.schema,
    schema_version: applied.length ? Math.max(...applied) : null,
    pending_migrations: states.filter((s) => s.status === 'pending').length,
    server_version: rows[0].server_version,
  };
}
