import { createHash } from 'node:crypto';
import { NoetlError } from '../../core/errors.js';
import initial from './migrations/0001_initial.sql?raw';
import serviceTokens from './migrations/0002_service_tokens.sql?raw';
import gatewayAuth from './migrations/0003_gateway_auth.sql?raw';
import upstreamIds from './migrations/0004_upstream_ids.sql?raw';
import upstreamBaseline from './migrations/upstream/0001_upstream_baseline.sql?raw';
import type { DatabaseInfo } from '../../api/admin.js';
import { detectLayout, forgetLayout, LEDGER, UPSTREAM_BASELINE, type SchemaLayout } from './layout.js';
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
  '0004_upstream_ids.sql': upstreamIds,
};

/**
 * On a schema an upstream NoETL server created, these stand in for our migrations of the same
 * version: 0001 becomes the adoption (upstream's tables kept, ours added), and 0004 is only
 * recorded (upstream already has snowflake_id(), the id defaults and the catalog columns).
 * Every other migration runs as it is.
 */
const UPSTREAM_VARIANTS: Readonly<Record<number, { name: string; file: string; sql: string }>> = {
  1: { name: UPSTREAM_BASELINE, file: 'upstream/0001_upstream_baseline.sql', sql: upstreamBaseline },
  4: { name: 'upstream_ids_baseline', file: '0004_upstream_ids.sql (recorded only: upstream has it)', sql: '' },
};

export interface Migration {
  version: number;
  name: string;
  file: string;
  sql: string;
  sha256: string;
}

const sha256Of = (sql: string) => createHash('sha256').update(sql).digest('hex');

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
        sha256: sha256Of(sql),
      };
    });
}

/** The advisory lock key that serialises migrations of one schema across processes. */
const lockKey = (schema: string) => `noetl.migrate.${schema}`;

type Ledger = Map<number, { sha256: string; applied_at: Date; name: string }>;

/** The migrations that make up `layout`: ours, or on an upstream layout the variants standing in for some of them. */
export function migrationsFor(layout: SchemaLayout, migrations: Migration[] = loadMigrations()): Migration[] {
  if (layout.kind !== 'upstream') return migrations;
  return migrations.map((m) => {
    const variant = UPSTREAM_VARIANTS[m.version];
    return variant ? { version: m.version, ...variant, sha256: sha256Of(variant.sql) } : m;
  });
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

export interface SchemaStatus {
  layout: SchemaLayout;
  /** The migrations of this layout and their states (all pending on a foreign schema, which no migration may touch). */
  states: MigrationState[];
  /** The migrations of this layout. */
  plan: Migration[];
}

/** The schema's layout and where each of its migrations stands. */
export async function schemaStatus(db: Queryable, schema: string, migrations: Migration[] = loadMigrations()): Promise<SchemaStatus> {
  const layout = await detectLayout(db, schema);
  const plan = migrationsFor(layout, migrations);
  const ledger: Ledger = new Map((layout.ledger ?? []).map((row) => [Number(row.version), row]));
  return { layout, plan, states: statusOf(ledger, plan) };
}

export async function migrationStatus(db: Queryable, schema: string, migrations: Migration[] = loadMigrations()): Promise<MigrationState[]> {
  return (await schemaStatus(db, schema, migrations)).states;
}

function refuseChanged(state: MigrationState[], migrations: Migration[]): void {
  const changed = state.find((s) => s.status === 'changed');
  if (!changed) return;
  const file = migrations.find((m) => m.version === changed.version)!.file;
  throw new NoetlError('unavailable', `migration ${file} was applied with sha256 ${changed.sha256.slice(0, 12)}… but the file has changed since: ` +
      `restore the applied version and put the change in a new migration file`);
}

/** A schema that is neither ours nor upstream's: refused before anything is written. */
function refuseForeign(schema: string, layout: SchemaLayout): void {
  if (layout.kind !== 'foreign') return;
  const lacks = layout.missing.slice(0, 4).join(', ') + (layout.missing.length > 4 ? ', …' : '');
  throw new NoetlError(
    'conflict',
    `schema ${schema} holds tables that are neither noetl's nor an upstream NoETL 4.x layout (it lacks ${lacks}); nothing was written: ` +
      'choose another schema with NOETL_SCHEMA, or an empty one',
    { reason: 'foreign-schema' },
  );
}

export interface MigrateOptions {
  migrations?: Migration[];
  /** Work out what would run and return its SQL; write nothing. */
  dryRun?: boolean;
}

export interface MigrateResult {
  /** What was applied (or, in a dry run, would be). */
  applied: Migration[];
  version: number;
  /** The layout found before migrating (an upstream one is adopted by its first migration). */
  layout: SchemaLayout;
  /** The SQL of the run, statement by statement (what a dry run prints; nothing when the schema was current). */
  sql: string[];
}

/** The statements that create the ledger, and that apply and record one migration (what a dry run prints). */
function ledgerStatements(schema: string): string[] {
  return [
    `CREATE SCHEMA IF NOT EXISTS "${schema}"`,
    `CREATE TABLE IF NOT EXISTS "${schema}".${LEDGER} (
  version INTEGER PRIMARY KEY, name TEXT NOT NULL, sha256 TEXT NOT NULL,
  applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`,
  ];
}

function migrationStatements(schema: string, m: Migration): string[] {
  const quote = (text: string) => `'${text.replace(/'/g, "''")}'`;
  return [
    `-- ${String(m.version).padStart(4, '0')} ${m.name} (${m.file})`,
    'BEGIN',
    `SET LOCAL search_path TO "${schema}"`,
    ...(m.sql.trim() ? [m.sql.trim()] : []),
    `INSERT INTO "${schema}".${LEDGER} (version, name, sha256) VALUES (${m.version}, ${quote(m.name)}, ${quote(m.sha256)})`,
    'COMMIT',
  ];
}

/**
 * Applies pending migrations, each in its own transaction, under a session advisory
 * lock: processes that migrate at once queue on the lock, re-read the ledger when they
 * get it, and so apply each migration exactly once. On an upstream NoETL schema the first
 * one adopts it; a schema that is neither is refused before anything is written.
 */
export async function migrate(store: Store, options: MigrateOptions = {}): Promise<MigrateResult> {
  const schema = store.info.schema;
  const migrations = options.migrations ?? loadMigrations();
  const version = migrations.length ? migrations[migrations.length - 1].version : 0;
  return store.session(async (conn) => {
    await conn.query('SELECT pg_advisory_lock(hashtext($1))', [lockKey(schema)]);
    try {
      const { layout, plan, states } = await schemaStatus(conn, schema, migrations);
      refuseForeign(schema, layout);
      refuseChanged(states, plan);
      const pending = plan.filter((m) => states.find((s) => s.version === m.version)?.status === 'pending');
      const sql = pending.length ? [...ledgerStatements(schema), ...pending.flatMap((m) => migrationStatements(schema, m))] : [];
      if (options.dryRun) return { applied: pending, version, layout, sql };
      for (const statement of ledgerStatements(schema)) await conn.query(statement);
      for (const m of pending) {
        await conn.query('BEGIN');
        try {
          await conn.query(`SET LOCAL search_path TO "${schema}"`);
          if (m.sql.trim()) await conn.query(m.sql);
          await conn.query(`INSERT INTO "${schema}".${LEDGER} (version, name, sha256) VALUES ($1, $2, $3)`, [m.version, m.name, m.sha256]);
          await conn.query('COMMIT');
        } catch (err) {
          await conn.query('ROLLBACK');
          throw new NoetlError('unavailable', `migration ${m.file} failed and was rolled back: ${(err as Error).message}`);
        }
      }
      return { applied: pending, version, layout, sql };
    } finally {
      forgetLayout(store);
      await conn.query('SELECT pg_advisory_unlock(hashtext($1))', [lockKey(schema)]);
    }
  });
}

const MIGRATE_HINT = { command: 'db migrate' };

/** For every command but `db …`: the schema must exist and be current. */
export async function assertMigrated(store: Store, migrations: Migration[] = loadMigrations()): Promise<void> {
  const schema = store.info.schema;
  const { layout, plan, states } = await schemaStatus(store, schema, migrations);
  if (layout.kind === 'upstream' && !layout.adopted) {
    throw new NoetlError('unavailable', `schema ${schema} holds an upstream NoETL 4.x layout that noetl has not adopted yet`, {
      hint: { ...MIGRATE_HINT, text: "(it keeps upstream's tables as they are and adds noetl's)" },
    });
  }
  if (layout.kind === 'foreign') refuseForeign(schema, layout);
  if (!layout.ledger) throw new NoetlError('unavailable', `schema ${schema} is not initialised`, { hint: MIGRATE_HINT });
  refuseChanged(states, plan);
  const pending = states.filter((s) => s.status === 'pending');
  if (pending.length) {
    throw new NoetlError('unavailable', `schema ${schema} has ${pending.length} pending migration(s) (next: ${pending[0].version} ${pending[0].name})`, { hint: MIGRATE_HINT });
  }
}

/** What `noetl db info` shows; the location's password is already masked by the store. */
export async function databaseInfo(store: Store, migrations: Migration[] = loadMigrations()): Promise<DatabaseInfo> {
  const { layout, states } = await schemaStatus(store, store.info.schema, migrations);
  const applied = states.filter((s) => s.status !== 'pending').map((s) => s.version);
  const { rows } = await store.query<{ server_version: string }>('SHOW server_version');
  return {
    backend: store.info.backend,
    location: store.info.location,
    schema: store.info.schema,
    layout: layout.description,
    schema_version: applied.length ? Math.max(...applied) : null,
    pending_migrations: states.filter((s) => s.status === 'pending').length,
    server_version: rows[0].server_version,
  };
}
