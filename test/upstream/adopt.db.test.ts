import { describe, expect, it } from 'vitest';
import { createLocalClient } from '../../src/backends/local/index.js';
import { assertMigrated } from '../../src/backends/sql/migrate.js';
import { fails } from '../helpers/errors.js';
import { testBackend } from '../helpers/backend.js';
import { testKeys } from '../helpers/client.js';
import { runCli, testCliEnv } from '../helpers/cli.js';
import { schemaShape, UPSTREAM_DDL, upstreamDatabase } from './fixture.js';

const UPSTREAM_TABLES = ['catalog', 'credential', 'event', 'keychain', 'resource', 'transient'];
const ledgerExists = `SELECT to_regclass('schema_migrations') IS NOT NULL AS ok`;

// The adopt path runs on PostgreSQL, where operators meet upstream schemas (an embedded database adopts on first use: commands.db.test.ts).
describe.skipIf(testBackend() === 'embedded')(`adopting an upstream NoETL schema (${testBackend()})`, () => {
  it('recognises it, prints the SQL on a dry run without writing, adopts it with upstream tables untouched, and status names the layout', { timeout: 120_000 }, async () => {
    const up = await upstreamDatabase();
    try {
      const db = up.raw;
      const schema = up.config.schema;
      // Rows an upstream server wrote: they must survive adoption as they are.
      await db.query(`INSERT INTO catalog (path, version, kind, content) VALUES ('flows/a', 1, 'playbook', 'x')`);
      await db.query(`INSERT INTO transient (execution_id, var_name, var_type, var_value) VALUES (518486534513754563, 'n', 'step_result', '{"a": 1}')`);
      const before = await schemaShape(db, schema);
      const admin = createLocalClient({ store: db, keys: async () => testKeys() }).admin!;

      expect(await admin.schemaLayout()).toEqual({ kind: 'upstream', adopted: false, description: expect.stringMatching(/^upstream NoETL 4\.x layout, not adopted yet/) });
      const status = await admin.migrationStatus();
      expect(status[0]).toMatchObject({ version: 1, name: 'upstream_baseline', status: 'pending' });
      expect(status.every((s) => s.status === 'pending')).toBe(true);
      const refused = await fails(assertMigrated(db));
      expect(refused.code).toBe('unavailable');
      expect(refused.message).toMatch(/upstream NoETL 4\.x layout that noetl has not adopted yet$/);
      expect(refused.hint).toMatchObject({ command: 'db migrate' });

      const dry = await admin.migrate({ dryRun: true });
      expect(dry.applied.map((m) => m.name)).toEqual(status.map((s) => s.name));
      const sql = dry.sql!.join('\n');
      expect(sql).toContain('CREATE TABLE credential_cache');
      expect(sql).toContain('CREATE TABLE transient_bearer');
      expect(sql).not.toContain('CREATE TABLE catalog');
      expect(sql).not.toContain('snowflake_id');
      expect((await db.query<{ ok: boolean }>(ledgerExists)).rows[0].ok).toBe(false);
      expect(await schemaShape(db, schema)).toEqual(before);

      const adopted = await admin.migrate();
      expect(adopted.layout).toMatch(/^upstream NoETL 4\.x layout, not adopted yet/);
      expect(adopted.applied.map((m) => m.name)).toContain('upstream_baseline');
      await assertMigrated(db);
      expect(await admin.schemaLayout()).toMatchObject({ kind: 'upstream', adopted: true, description: 'upstream NoETL 4.x layout, adopted' });
      expect((await admin.migrationStatus()).every((s) => s.status === 'applied')).toBe(true);
      expect(await admin.databaseInfo()).toMatchObject({ layout: 'upstream NoETL 4.x layout, adopted', pending_migrations: 0 });
      expect((await admin.migrate()).applied).toEqual([]);

      // Upstream's tables: the same columns, defaults and constraints, and the same rows.
      const after = await schemaShape(db, schema);
      for (const table of UPSTREAM_TABLES) expect(after[table], table).toEqual(before[table]);
      expect(Object.keys(after).filter((t) => !UPSTREAM_TABLES.includes(t))).toEqual(expect.arrayContaining(['credential_cache', 'schema_migrations', 'transient_bearer']));
      expect((await db.query('SELECT * FROM catalog')).rowCount).toBe(1);
      expect((await db.query('SELECT * FROM transient')).rowCount).toBe(1);
      // An upstream server still inserts as it always has.
      await db.query(`INSERT INTO credential (name, type, data_encrypted) VALUES ('u', 'postgres', '{}')`);
    } finally {
      await up.close();
    }
  });

  it('through the CLI: status lists the adoption as pending, migrate --dry-run prints SQL, migrate adopts, status --exit-code is 0 and names the layout', { timeout: 120_000 }, async () => {
    const up = await upstreamDatabase();
    try {
      const env = { ...(await testCliEnv()), ...up.env };
      const before = await runCli(['db', 'status', '--exit-code'], { env });
      expect(before.code).toBe(1);
      expect(before.stdout).toMatch(/^layout: upstream NoETL 4\.x layout, not adopted yet/);
      expect(before.stdout).toMatch(/0001\tupstream_baseline\tpending/);
      const data = await runCli(['credential', 'ls'], { env });
      expect(data.code).toBe(1);
      expect(data.stderr).toContain('upstream NoETL 4.x layout that noetl has not adopted yet: run `noetl db migrate`');
      const dry = await runCli(['db', 'migrate', '--dry-run'], { env });
      expect(dry.code).toBe(0);
      expect(dry.stdout).toContain('CREATE TABLE credential_cache');
      expect(dry.stderr).toContain('nothing was changed');
      expect((await runCli(['db', 'status', '--exit-code'], { env })).code).toBe(1);
      const migrated = await runCli(['db', 'migrate'], { env });
      expect(migrated.code, migrated.stderr).toBe(0);
      expect(migrated.stderr).toContain('adopted the upstream NoETL 4.x layout');
      const after = await runCli(['db', 'status', '--exit-code'], { env });
      expect(after.code, after.stderr).toBe(0);
      expect(after.stdout).toMatch(/^layout: upstream NoETL 4\.x layout, adopted\n/);
      const info = await runCli(['db', 'info', '-o', 'json'], { env });
      expect(JSON.parse(info.stdout)).toMatchObject({ layout: 'upstream NoETL 4.x layout, adopted', pending_migrations: 0 });
    } finally {
      await up.close();
    }
  });

  it('a schema left with an empty ledger by an older failed migrate is still adopted', { timeout: 120_000 }, async () => {
    const up = await upstreamDatabase(`${UPSTREAM_DDL}\nCREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, sha256 TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now());`);
    try {
      const admin = createLocalClient({ store: up.raw, keys: async () => testKeys() }).admin!;
      expect(await admin.schemaLayout()).toMatchObject({ kind: 'upstream', adopted: false });
      await admin.migrate();
      expect(await admin.schemaLayout()).toMatchObject({ kind: 'upstream', adopted: true });
    } finally {
      await up.close();
    }
  });

  it.each([
    ['tables of something else', 'CREATE TABLE widgets (id INT PRIMARY KEY); CREATE TABLE catalog (id INT);'],
    ['an upstream layout without transient (too old, or half made)', UPSTREAM_DDL.replace(/CREATE TABLE transient[\s\S]*?\n\);\n/, '')],
    ['a schema_migrations of another tool', 'CREATE TABLE schema_migrations (version TEXT PRIMARY KEY);'],
  ])('refuses a schema holding %s, with nothing written (not even schema_migrations)', { timeout: 120_000 }, async (_what, ddl) => {
    const up = await upstreamDatabase(ddl);
    try {
      const before = await schemaShape(up.raw, up.config.schema);
      const admin = createLocalClient({ store: up.raw, keys: async () => testKeys() }).admin!;
      expect(await admin.schemaLayout()).toMatchObject({ kind: 'foreign' });
      for (const dryRun of [true, false]) {
        const err = await fails(admin.migrate({ dryRun }));
        expect(err.code).toBe('conflict');
        expect(err.message).toMatch(/neither noetl's nor an upstream NoETL 4\.x layout .*nothing was written: choose another schema with NOETL_SCHEMA/);
      }
      expect(await schemaShape(up.raw, up.config.schema)).toEqual(before);
      expect((await fails(assertMigrated(up.raw))).code).toBe('conflict');
    } finally {
      await up.close();
    }
  });
});
