import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { authSchemaOf } from '../../src/backends/sql/auth.js';
import { embeddedStore, loadPg, openStore } from '../../src/backends/sql/connect.js';
import type { Store } from '../../src/backends/sql/store.js';
import { closeOnce, embeddedTemplate, freshSchema, testBackend, testDatabaseUrl, uniqueName } from './backend.js';

/**
 * The migrated databases behind testStore(), kept by this test worker and reused. A new one costs
 * a copy of the migrated template, a PGlite start and a removal (embedded: about a second per
 * store on a loaded 2-core machine), or the migrations and a DROP SCHEMA (PostgreSQL); putting
 * one back as it was costs a few statements.
 *
 * Every store handed out is a new one (its own pg pool, clock and close(); on PostgreSQL its own
 * connections) over a database whose tables, rows and sequences are exactly what the migrations
 * left. close() puts the database back: every table whose content differs is truncated (with the
 * tables referencing it) and the migrations' rows put back, every sequence that moved is set back,
 * and the embedded session is reset (open transaction rolled back, DISCARD ALL: settings, session
 * locks, temporary tables, prepared statements; a PostgreSQL store's connections are gone with its
 * pool). A database whose schema objects changed (DDL; embedded: a role, a database setting too),
 * or that fails to go back, is removed instead.
 *
 * Embedded: not the path a command opens the database by (openStore: the directory's lock, its
 * modes, the private umask while open); the tests of that path open it themselves or run the CLI.
 * The umask in particular is left alone: a database open for the whole worker must not make the
 * files of every later test private.
 */

/** Idle databases kept per worker: one store at a time is the rule, two at once the exception. */
const KEEP_IDLE = 2;

interface Pooled {
  /** What close() puts back; described from the database before its first use. */
  template: Template;
  run(sql: string): Promise<void>;
  query<R>(sql: string): Promise<R[]>;
  open(clock: (() => Date) | undefined, poolSize: number | undefined): Promise<Store>;
  /** Before a reset: the session of the embedded database, left as the last store left it. */
  resetSession(): Promise<void>;
  dispose(): Promise<void>;
}

interface Template {
  /** Schema objects (and, embedded, roles and database settings), hashed: what a reset cannot put back. */
  fingerprint: string;
  fingerprintQuery: string;
  /** Returns the tables whose content is not the template's, and the setval() of each sequence that moved. */
  dirtyQuery: string;
  /** For each table, itself and every table that references it (they are truncated together). */
  closure: Map<string, string[]>;
  /** The INSERT that puts a table's template rows back. */
  seed: Map<string, string>;
}

const idle: Pooled[] = [];

/** A store on a pooled database of this run's backend, as the migrations left it; close() puts it back. */
export async function pooledStore(options: { clock?: () => Date; poolSize?: number } = {}): Promise<Store> {
  const pooled = idle.pop() ?? (await (testBackend() === 'embedded' ? startEmbedded() : startPostgres()));
  let store: Store;
  try {
    store = await pooled.open(options.clock, options.poolSize);
  } catch (err) {
    await pooled.dispose().catch(() => undefined);
    throw err;
  }
  return closeOnce(store, () => putBack(pooled));
}

async function putBack(pooled: Pooled): Promise<void> {
  try {
    if (idle.length >= KEEP_IDLE) throw new Error('enough idle databases');
    await reset(pooled);
    idle.push(pooled);
  } catch {
    await pooled.dispose().catch(() => undefined);
  }
}

async function reset(pooled: Pooled): Promise<void> {
  const t = pooled.template;
  await pooled.resetSession();
  const [{ fingerprint }] = await pooled.query<{ fingerprint: string }>(t.fingerprintQuery);
  if (fingerprint !== t.fingerprint) throw new Error('schema objects changed');
  const [dirty] = await pooled.query<{ tables: string[]; sequences: string[] }>(t.dirtyQuery);
  const truncate = [...new Set(dirty.tables.flatMap((table) => t.closure.get(table)!))];
  const statements: string[] = [];
  if (truncate.length > 0) {
    statements.push(`TRUNCATE ${truncate.join(', ')}`);
    // The template rows exactly as they were: triggers and foreign-key checks off while they go in.
    statements.push('SET LOCAL session_replication_role = replica');
    for (const table of truncate) if (t.seed.has(table)) statements.push(t.seed.get(table)!);
  }
  statements.push(...dirty.sequences);
  if (statements.length > 0) await pooled.run(['BEGIN', ...statements, 'COMMIT'].join(';\n'));
}

/** Where pooled data directories go: the run's scratch directory (global-setup.ts removes it), else the temporary one. */
function scratchDir(): string {
  return process.env.NOETL_TEST_SCRATCH ?? tmpdir();
}

/** Pooled schemas are named after the run, so that global-setup.ts drops them at its end (with their `_auth` schemas). */
export function pooledSchemaPrefix(run = process.env.NOETL_TEST_RUN): string {
  return run ? `tp_${run}` : 'tp';
}

async function startEmbedded(): Promise<Pooled> {
  const dataDir = join(mkdtempSync(join(scratchDir(), 'noetl-test-pooled-')), 'db');
  cpSync(await embeddedTemplate(), dataDir, { recursive: true });
  const { PGlite } = await import('@electric-sql/pglite');
  // The settings openEmbeddedDatabase starts PGlite with (src/backends/sql/connect.ts).
  const db = await PGlite.create(dataDir, { postgresqlconf: 'shared_buffers=8MB' });
  const schema = 'noetl';
  const setSearchPath = `SET search_path TO "${schema}"`;
  await db.exec(setSearchPath);
  const opened = { db, dataDir, close: async () => undefined };
  const pooled: Pooled = {
    template: undefined as unknown as Template,
    run: async (sql) => void (await db.exec(sql)),
    query: async <R>(sql: string) => (await db.query<R>(sql)).rows,
    open: (clock) => embeddedStore(opened, schema, clock ?? (() => new Date()), async () => undefined),
    async resetSession() {
      // ROLLBACK outside a transaction only warns; DISCARD ALL must run on its own (not in a transaction).
      await db.exec('ROLLBACK');
      await db.exec('DISCARD ALL');
      await db.exec(setSearchPath);
    },
    async dispose() {
      await db.close().catch(() => undefined);
      rmSync(dirname(dataDir), { recursive: true, force: true });
    },
  };
  pooled.template = await describeTemplate(pooled, `n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'`, true);
  return pooled;
}

/** One connection per worker for the resets of its pooled PostgreSQL schemas. */
let admin: Promise<import('pg').Pool> | undefined;

async function startPostgres(): Promise<Pooled> {
  const schema = await freshSchema(uniqueName(pooledSchemaPrefix()));
  admin ??= loadPg().then((pg) => {
    const pool = new pg.Pool({ connectionString: testDatabaseUrl(), max: 1 });
    pool.on('error', () => undefined);
    return pool;
  });
  const pool = await admin;
  const schemas = [schema, authSchemaOf(schema)];
  const pooled: Pooled = {
    template: undefined as unknown as Template,
    run: async (sql) => void (await pool.query(sql)),
    query: async <R>(sql: string) => (await pool.query(sql)).rows as R[],
    open: (clock, poolSize) => openStore({ backend: 'postgres', connectionString: testDatabaseUrl(), schema, source: 'test' }, { clock, poolSize }),
    // A PostgreSQL store's sessions end with its pool.
    resetSession: async () => undefined,
    dispose: async () => void (await pool.query(schemas.map((s) => `DROP SCHEMA IF EXISTS "${s}" CASCADE`).join('; '))),
  };
  pooled.template = await describeTemplate(pooled, `n.nspname IN (${schemas.map(literal).join(', ')})`, false);
  return pooled;
}

const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

/**
 * Everything but table content that a test could change in the namespaces `inScope` selects;
 * with `global`, roles, database settings, extensions and the namespaces themselves too (the
 * embedded database is the test's alone; a PostgreSQL database is shared by the run).
 */
function fingerprintQuery(inScope: string, global: boolean): string {
  const objects = [
    `SELECT format('c %s.%s %s %s %s %s %s', n.nspname, c.relname, c.relkind, c.relpersistence, c.relacl, c.relrowsecurity, c.reloptions)
       FROM pg_class c JOIN scope n ON n.oid = c.relnamespace`,
    `SELECT format('a %s %s %s %s %s %s %s', a.attrelid::regclass, a.attname, a.atttypid::regtype, a.atttypmod, a.attnotnull, a.attisdropped, pg_get_expr(d.adbin, d.adrelid))
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN scope n ON n.oid = c.relnamespace
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum WHERE a.attnum > 0`,
    `SELECT format('k %s %s %s', k.conrelid::regclass, k.conname, pg_get_constraintdef(k.oid)) FROM pg_constraint k JOIN scope n ON n.oid = k.connamespace`,
    `SELECT format('i %s', pg_get_indexdef(i.indexrelid)) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN scope n ON n.oid = c.relnamespace`,
    `SELECT format('t %s %s %s', g.tgrelid::regclass, g.tgname, g.tgenabled) FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid JOIN scope n ON n.oid = c.relnamespace WHERE NOT g.tgisinternal`,
    `SELECT format('v %s %s', c.oid::regclass, pg_get_viewdef(c.oid)) FROM pg_class c JOIN scope n ON n.oid = c.relnamespace WHERE c.relkind IN ('v', 'm')`,
    `SELECT format('f %s %s %s %s', p.oid::regprocedure, md5(p.prosrc), p.proconfig, p.proacl) FROM pg_proc p JOIN scope n ON n.oid = p.pronamespace`,
    `SELECT format('y %s %s', t.oid::regtype, t.typtype) FROM pg_type t JOIN scope n ON n.oid = t.typnamespace`,
    `SELECT format('e %s %s', e.enumtypid::regtype, e.enumlabel) FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid JOIN scope n ON n.oid = t.typnamespace`,
    `SELECT format('s %s %s %s %s %s %s', q.seqrelid::regclass, q.seqtypid, q.seqstart, q.seqincrement, q.seqmax, q.seqcycle) FROM pg_sequence q JOIN pg_class c ON c.oid = q.seqrelid JOIN scope n ON n.oid = c.relnamespace`,
    `SELECT format('p %s %s', o.polrelid::regclass, o.polname) FROM pg_policy o JOIN pg_class c ON c.oid = o.polrelid JOIN scope n ON n.oid = c.relnamespace`,
    `SELECT format('n %s %s %s', nspname, nspowner, nspacl) FROM ${global ? 'pg_namespace' : 'scope'}`,
  ];
  if (global) {
    objects.push(
      `SELECT format('x %s %s', extname, extversion) FROM pg_extension`,
      `SELECT format('r %s %s %s', rolname, rolsuper, rolconfig) FROM pg_roles`,
      `SELECT format('g %s %s %s', setdatabase, setrole, setconfig) FROM pg_db_role_setting`,
    );
  }
  return `WITH scope AS (SELECT n.oid, n.nspname, n.nspowner, n.nspacl FROM pg_namespace n WHERE ${inScope}),
  objects(line) AS (${objects.join('\n  UNION ALL ')})
SELECT md5(string_agg(line, E'\\n' ORDER BY line)) AS fingerprint FROM objects`;
}

async function describeTemplate(pooled: Pooled, inScope: string, global: boolean): Promise<Template> {
  const tables = await pooled.query<{ name: string; columns: string }>(
    `SELECT format('%I.%I', n.nspname, c.relname) AS name,
            (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) FROM pg_attribute a
             WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '') AS columns
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p') AND ${inScope} ORDER BY 1`,
  );
  const references = await pooled.query<{ referenced: string; referencing: string }>(
    `SELECT format('%I.%I', rn.nspname, r.relname) AS referenced, format('%I.%I', fn.nspname, f.relname) AS referencing
     FROM pg_constraint k JOIN pg_class r ON r.oid = k.confrelid JOIN pg_namespace rn ON rn.oid = r.relnamespace
     JOIN pg_class f ON f.oid = k.conrelid JOIN pg_namespace fn ON fn.oid = f.relnamespace WHERE k.contype = 'f'`,
  );
  const closure = new Map<string, string[]>();
  for (const { name } of tables) {
    const reached = new Set([name]);
    for (const next of reached) for (const r of references) if (r.referenced === next) reached.add(r.referencing);
    closure.set(name, [...reached]);
  }
  // A table's content as one value: compared with the template's to find what a test changed.
  const content = (table: string) => `(SELECT md5(string_agg(t::text, E'\\n' ORDER BY t::text)) FROM ${table} t)`;
  const seed = new Map<string, string>();
  const checks: string[] = [];
  for (const { name, columns } of tables) {
    const [{ hash, rows }] = await pooled.query<{ hash: string | null; rows: string | null }>(`SELECT ${content(name)} AS hash, (SELECT json_agg(t)::text FROM ${name} t) AS rows`);
    if (hash === null) {
      checks.push(`CASE WHEN EXISTS (SELECT 1 FROM ${name}) THEN ${literal(name)} END`);
    } else {
      checks.push(`CASE WHEN ${content(name)} IS DISTINCT FROM ${literal(hash)} THEN ${literal(name)} END`);
      seed.set(name, `INSERT INTO ${name} (${columns}) OVERRIDING SYSTEM VALUE SELECT ${columns} FROM json_populate_recordset(NULL::${name}, ${literal(rows!)})`);
    }
  }
  // Each sequence's template state, and the setval() that restores it when it moved.
  const sequences = (
    await pooled.query<{ state: string }>(
      `SELECT format('(%L, %L::bigint, %L)', format('%I.%I', n.nspname, c.relname), s.last_value,
                     format('SELECT setval(%L, %s, %L)', format('%I.%I', n.nspname, c.relname), COALESCE(s.last_value, s.start_value), s.last_value IS NOT NULL)) AS state
       FROM pg_sequences s JOIN pg_namespace n ON n.nspname = s.schemaname JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = s.sequencename
       WHERE ${inScope}`,
    )
  ).map((r) => r.state);
  const moved =
    sequences.length === 0
      ? 'ARRAY[]::text[]'
      : `ARRAY(SELECT t.restore FROM (VALUES ${sequences.join(', ')}) t(name, last_value, restore)
         JOIN pg_sequences s ON format('%I.%I', s.schemaname, s.sequencename) = t.name WHERE s.last_value IS DISTINCT FROM t.last_value)`;
  const query = fingerprintQuery(inScope, global);
  const [{ fingerprint }] = await pooled.query<{ fingerprint: string }>(query);
  return {
    fingerprint,
    fingerprintQuery: query,
    dirtyQuery: `SELECT ARRAY(SELECT x FROM unnest(ARRAY[${checks.join(',\n')}]::text[]) x WHERE x IS NOT NULL) AS tables, ${moved} AS sequences`,
    closure,
    seed,
  };
}
