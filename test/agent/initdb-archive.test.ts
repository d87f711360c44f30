// A new embedded data directory starts from the build's initdb result (dist/initdb.tar.gz) rather
// than running initdb (the seconds of a first command): once migrated, it must be the same
// database as one that initdb made, object for object and setting for setting.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/backends/sql/connect.js';

const root = mkdtempSync(join(tmpdir(), 'noetl-initdb-archive-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Everything a migrated database is made of (no times, no OIDs): schemas' columns, indexes, functions, constraints, the ledger, settings, databases. */
const SHAPE = `
  SELECT 'column ' || table_schema || '.' || table_name || '.' || column_name || ' ' || data_type || ' ' || coalesce(column_default, '') AS line
    FROM information_schema.columns WHERE table_schema NOT IN ('pg_catalog', 'information_schema')
  UNION ALL SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname <> 'pg_catalog'
  UNION ALL SELECT 'function ' || n.nspname || '.' || p.proname || ' ' || md5(p.prosrc)
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
  UNION ALL SELECT 'constraint ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint
    WHERE connamespace IN (SELECT oid FROM pg_namespace WHERE nspname NOT IN ('pg_catalog', 'information_schema'))
  UNION ALL SELECT 'migration ' || version || ' ' || name || ' ' || sha256 FROM noetl.schema_migrations
  UNION ALL SELECT 'setting ' || name || '=' || setting FROM pg_settings WHERE source NOT IN ('default', 'override') AND name <> 'data_directory'
  UNION ALL SELECT 'database ' || datname || ' ' || pg_encoding_to_char(encoding) || ' ' || datcollate || ' ' || datctype FROM pg_database
  ORDER BY 1`;

async function shapeOf(dataDir: string): Promise<string[]> {
  const db = await PGlite.create(dataDir);
  try {
    return (await db.query<{ line: string }>(SHAPE)).rows.map((r) => r.line);
  } finally {
    await db.close();
  }
}

describe('a new data directory from the build', () => {
  it('is, once migrated, the same database as one initdb made', async () => {
    expect(existsSync(new URL('../../dist/initdb.tar.gz', import.meta.url)), 'dist/initdb.tar.gz (npm run build)').toBe(true);
    const fromArchive = join(root, 'archive');
    const fromInitdb = join(root, 'initdb');
    // initdb, as before the archive: PGlite on an empty directory, as connect.ts starts it.
    await (await PGlite.create(fromInitdb, { postgresqlconf: 'shared_buffers=8MB' })).close();
    for (const dataDir of [fromArchive, fromInitdb]) {
      await (await openStore({ backend: 'embedded', dataDir, schema: 'noetl', source: 'test' })).close();
    }
    const [archived, initdb] = [await shapeOf(fromArchive), await shapeOf(fromInitdb)];
    expect(archived.filter((line) => line.startsWith('migration ')).length).toBeGreaterThan(0);
    expect(archived).toEqual(initdb);
  }, 180_000);
});
