import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { embeddedStore, type EmbeddedDatabase } from '../../src/backends/sql/connect.js';
import type { Store } from '../../src/backends/sql/store.js';
import { freshDataDir } from './backend.js';

/**
 * Embedded databases for testStore(), kept open by this test worker and reused: starting PGlite
 * on a fresh copy of the migrated template costs the copy, the start and the removal (about a
 * second per store on a loaded 2-core machine), putting one back as the template left it costs
 * a few statements. A store handed out is a new PoolStore (its own pg pool, clock and close) over
 * a database whose tables, rows and sequences are exactly the template's, in a fresh session.
 *
 * Put back by close(): the session is reset (open transaction rolled back, DISCARD ALL: settings,
 * session locks, temporary tables, prepared statements), every table whose content differs from
 * the template's is truncated (with the tables referencing it) and its template rows put back,
 * and every sequence is set to the template's value. A database whose schema objects changed
 * (DDL, a role, a setting of the database), or that fails to reset, is closed and removed instead.
 *
 * Not the path a command opens the embedded database by (openStore: the data directory's lock,
 * its modes, the private umask while open): the tests of that open the database themselves or run
 * the CLI. The umask is left alone here on purpose: an idle database open for the whole worker must
 * not make every file a later test creates private.
 */

const SCHEMA = 'noetl';
/** Idle databases kept per worker: one store at a time is the rule, two at once the exception. */
const KEEP_IDLE = 2;

interface Template {
  /** Schema objects, roles and database settings, hashed: what a reset cannot put back. */
  fingerprint: string;
  /** Returns the tables (quoted, schema-qualified) whose content is not the template's, and the setval() of each sequence that moved. */
  dirtyQuery: string;
  /** For each table, itself and every table that references it (they must be truncated together). */
  closure: Map<string, string[]>;
  /** The INSERT that puts the template rows of a table back. */
  seed: Map<string, string>;
}

const idle: EmbeddedDatabase[] = [];
let template: Promise<Template> | undefined;

/** A store on a pooled embedded database, as the template left it; close() puts it back. */
export async function pooledEmbeddedStore(clock: () => Date = () => new Date()): Promise<Store> {
  let opened = idle.pop();
  if (!opened) {
    opened = await startDatabase();
    // The first database, untouched yet, is what every reset restores.
    template ??= describeTemplate(opened);
    await template;
  }
  const db = opened;
  let returned = false;
  // close() twice puts the database back once.
  return embeddedStore(db, SCHEMA, clock, async () => {
    if (returned) return;
    returned = true;
    await putBack(db);
  });
}

async function startDatabase(): Promise<EmbeddedDatabase> {
  const dataDir = await freshDataDir();
  const { PGlite } = await import('@electric-sql/pglite');
  // The settings openEmbeddedDatabase starts PGlite with (src/backends/sql/connect.ts).
  const db = await PGlite.create(dataDir, { postgresqlconf: 'shared_buffers=8MB' });
  await db.exec(`SET search_path TO "${SCHEMA}"`);
  return {
    db,
    dataDir,
    async close() {
      await db.close().catch(() => undefined);
      rmSync(dirname(dataDir), { recursive: true, force: true });
    },
  };
}

async function putBack(opened: EmbeddedDatabase): Promise<void> {
  try {
    if (idle.length >= KEEP_IDLE) throw new Error('enough idle databases');
    await reset(opened);
    idle.push(opened);
  } catch {
    await opened.close();
  }
}

async function reset(opened: EmbeddedDatabase): Promise<void> {
  const { db } = opened;
  const t = await template!;
  // ROLLBACK outside a transaction only warns; DISCARD ALL must run on its own (not in a transaction).
  await db.exec('ROLLBACK');
  await db.exec('DISCARD ALL');
  await db.exec(`SET search_path TO "${SCHEMA}"`);
  if ((await fingerprint(db)) !== t.fingerprint) throw new Error('schema objects changed');
  const dirty = (await db.query<{ tables: string[]; sequences: string[] }>(t.dirtyQuery)).rows[0];
  const truncate = [...new Set(dirty.tables.flatMap((table) => t.closure.get(table)!))];
  const statements: string[] = [];
  if (truncate.length > 0) {
    statements.push(`TRUNCATE ${truncate.join(', ')}`);
    // The template rows exactly as they were, triggers and foreign-key checks off while they go in.
    statements.push('SET LOCAL session_replication_role = replica');
    for (const table of truncate) if (t.seed.has(table)) statements.push(t.seed.get(table)!);
  }
  statements.push(...dirty.sequences);
  if (statements.length > 0) await db.exec(['BEGIN', ...statements, 'COMMIT'].join(';\n'));
}

/** Everything but table content that a test could change: schema objects, roles, database settings. */
const FINGERPRINT = `
WITH user_ns AS (
  SELECT oid, nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'
), objects(line) AS (
  SELECT format('n %s %s %s', nspname, nspowner, nspacl) FROM pg_namespace
  UNION ALL SELECT format('c %s.%s %s %s %s %s %s', n.nspname, c.relname, c.relkind, c.relpersistence, c.relacl, c.relrowsecurity, c.reloptions)
    FROM pg_class c JOIN user_ns n ON n.oid = c.relnamespace
  UNION ALL SELECT format('a %s %s %s %s %s %s %s', a.attrelid::regclass, a.attname, a.atttypid::regtype, a.atttypmod, a.attnotnull, a.attisdropped, pg_get_expr(d.adbin, d.adrelid))
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN user_ns n ON n.oid = c.relnamespace
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum WHERE a.attnum > 0
  UNION ALL SELECT format('k %s %s %s', conrelid::regclass, conname, pg_get_constraintdef(k.oid)) FROM pg_constraint k JOIN user_ns n ON n.oid = k.connamespace
  UNION ALL SELECT format('i %s', pg_get_indexdef(i.indexrelid)) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN user_ns n ON n.oid = c.relnamespace
  UNION ALL SELECT format('t %s %s %s', tgrelid::regclass, tgname, tgenabled) FROM pg_trigger WHERE NOT tgisinternal
  UNION ALL SELECT format('v %s %s', c.oid::regclass, pg_get_viewdef(c.oid)) FROM pg_class c JOIN user_ns n ON n.oid = c.relnamespace WHERE c.relkind IN ('v', 'm')
  UNION ALL SELECT format('f %s %s %s %s', p.oid::regprocedure, md5(p.prosrc), p.proconfig, p.proacl) FROM pg_proc p JOIN user_ns n ON n.oid = p.pronamespace
  UNION ALL SELECT format('y %s %s', t.oid::regtype, t.typtype) FROM pg_type t JOIN user_ns n ON n.oid = t.typnamespace
  UNION ALL SELECT format('e %s %s', enumtypid::regtype, enumlabel) FROM pg_enum
  UNION ALL SELECT format('s %s %s %s %s %s %s', s.seqrelid::regclass, s.seqtypid, s.seqstart, s.seqincrement, s.seqmax, s.seqcycle) FROM pg_sequence s
  UNION ALL SELECT format('p %s %s', polrelid::regclass, polname) FROM pg_policy
  UNION ALL SELECT format('x %s %s', extname, extversion) FROM pg_extension
  UNION ALL SELECT format('r %s %s %s', rolname, rolsuper, rolconfig) FROM pg_roles
  UNION ALL SELECT format('g %s %s %s', setdatabase, setrole, setconfig) FROM pg_db_role_setting
)
SELECT md5(string_agg(line, E'\\n' ORDER BY line)) AS fingerprint FROM objects`;

async function fingerprint(db: EmbeddedDatabase['db']): Promise<string> {
  return (await db.query<{ fingerprint: string }>(FINGERPRINT)).rows[0].fingerprint;
}

const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

async function describeTemplate(opened: EmbeddedDatabase): Promise<Template> {
  const { db } = opened;
  const user = `n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'`;
  const tables = (
    await db.query<{ name: string; columns: string }>(
      `SELECT format('%I.%I', n.nspname, c.relname) AS name,
              (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) FROM pg_attribute a
               WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '') AS columns
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE c.relkind IN ('r', 'p') AND ${user} ORDER BY 1`,
    )
  ).rows;
  const references = (
    await db.query<{ referenced: string; referencing: string }>(
      `SELECT format('%I.%I', rn.nspname, r.relname) AS referenced, format('%I.%I', fn.nspname, f.relname) AS referencing
       FROM pg_constraint k JOIN pg_class r ON r.oid = k.confrelid JOIN pg_namespace rn ON rn.oid = r.relnamespace
       JOIN pg_class f ON f.oid = k.conrelid JOIN pg_namespace fn ON fn.oid = f.relnamespace WHERE k.contype = 'f'`,
    )
  ).rows;
  const closure = new Map<string, string[]>();
  for (const { name } of tables) {
    const reached = new Set([name]);
    for (const next of reached) for (const r of references) if (r.referenced === next) reached.add(r.referencing);
    closure.set(name, [...reached]);
  }
  // A table's content, as one value: compared to the template's to find what a test changed.
  const content = (table: string) => `(SELECT md5(string_agg(t::text, E'\\n' ORDER BY t::text)) FROM ${table} t)`;
  const seed = new Map<string, string>();
  const checks: string[] = [];
  for (const { name, columns } of tables) {
    const { rows } = await db.query<{ hash: string | null; rows: string | null }>(`SELECT ${content(name)} AS hash, (SELECT json_agg(t)::text FROM ${name} t) AS rows`);
    const { hash, rows: json } = rows[0];
    if (hash === null) {
      checks.push(`CASE WHEN EXISTS (SELECT 1 FROM ${name}) THEN ${literal(name)} END`);
    } else {
      checks.push(`CASE WHEN ${content(name)} IS DISTINCT FROM ${literal(hash)} THEN ${literal(name)} END`);
      seed.set(name, `INSERT INTO ${name} (${columns}) OVERRIDING SYSTEM VALUE SELECT ${columns} FROM json_populate_recordset(NULL::${name}, ${literal(json!)})`);
    }
  }
  // Each sequence's template state, and the setval() that restores it when it moved.
  const sequences = (
    await db.query<{ state: string }>(
      `SELECT format('(%L, %L::bigint, %L)', format('%I.%I', schemaname, sequencename), last_value,
                     format('SELECT setval(%L, %s, %L)', format('%I.%I', schemaname, sequencename), COALESCE(last_value, start_value), last_value IS NOT NULL)) AS state
       FROM pg_sequences`,
    )
  ).rows.map((r) => r.state);
  const moved = sequences.length === 0 ? 'ARRAY[]::text[]' : `ARRAY(SELECT t.restore FROM (VALUES ${sequences.join(', ')}) t(name, last_value, restore)
    JOIN pg_sequences s ON format('%I.%I', s.schemaname, s.sequencename) = t.name WHERE s.last_value IS DISTINCT FROM t.last_value)`;
  return {
    fingerprint: await fingerprint(db),
    dirtyQuery: `SELECT array_remove(ARRAY[${checks.join(',\n')}]::text[], NULL) AS tables, ${moved} AS sequences`,
    closure,
    seed,
  };
}
