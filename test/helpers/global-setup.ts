import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { testDatabaseUrl } from './backend.js';
import { pooledSchemaPrefix } from './database-pool.js';

/**
 * vitest's globalSetup: a scratch directory and a name for this run, which the test workers
 * inherit through the environment, for what the workers keep until they end (the pooled
 * databases of database-pool.ts); removed, and the pooled PostgreSQL schemas dropped, when the
 * run ends.
 */
export default function setup(): () => Promise<void> {
  const run = randomBytes(4).toString('hex');
  const scratch = mkdtempSync(join(tmpdir(), 'noetl-test-scratch-'));
  process.env.NOETL_TEST_RUN = run;
  process.env.NOETL_TEST_SCRATCH = scratch;
  return async () => {
    rmSync(scratch, { recursive: true, force: true });
    const backend = process.env.NOETL_TEST_BACKEND;
    if (backend === 'postgres' || backend === 'http') await dropPooledSchemas(`${pooledSchemaPrefix(run)}_`);
  };
}

async function dropPooledSchemas(prefix: string): Promise<void> {
  const client = new pg.Client({ connectionString: testDatabaseUrl(), connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    const { rows } = await client.query<{ name: string }>(`SELECT nspname AS name FROM pg_namespace WHERE starts_with(nspname, $1)`, [prefix]);
    for (const { name } of rows) await client.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
  } catch {
    // The server is gone or the run's database already dropped: nothing left to drop.
  } finally {
    await client.end().catch(() => undefined);
  }
}
