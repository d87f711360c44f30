import { createHash, randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src/backends/sql/connect.js';
import { loadMigrations, migrate } from '../../src/backends/sql/migrate.js';
import type { Store } from '../../src/backends/sql/store.js';

export type TestBackend = 'embedded' | 'postgres';

/** The database this run tests: NOETL_TEST_BACKEND (embedded by default; `http` runs a server over PostgreSQL). */
export function testBackend(): TestBackend {
  return process.env.NOETL_TEST_BACKEND === 'postgres' || overHttp() ? 'postgres' : 'embedded';
}

/** NOETL_TEST_BACKEND=http: testClient() is the HTTP client, through `noetl serve`'s app, to PostgreSQL. */
export function overHttp(): boolean {
  return process.env.NOETL_TEST_BACKEND === 'http';
}

/** The PostgreSQL database of this run; scripts/test.mjs creates a unique one and drops it afterwards. */
export function testDatabaseUrl(): string {
  return process.env.NOETL_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
}

/**
 * A migrated embedded data directory to copy from: creating one runs initdb and takes
 * seconds, copying takes milliseconds. Built once per migration set, atomically (rename).
 */
export async function embeddedTemplate(): Promise<string> {
  const hash = createHash('sha256');
  for (const m of loadMigrations()) hash.update(m.sha256);
  // "private": built since data directories are 0700/0600 (an older, looser template would be tightened, with a warning, in every copy).
  const template = join(tmpdir(), `noetl-test-template-private-${hash.digest('hex').slice(0, 16)}`);
  if (existsSync(join(template, 'PG_VERSION'))) return template;
  const building = mkdtempSync(join(tmpdir(), 'noetl-template-build-'));
  const dataDir = join(building, 'db');
  const store = await openStore({ backend: 'embedded', dataDir, schema: 'noetl', source: 'test' });
  await store.close();
  try {
    renameSync(dataDir, template);
  } catch {
    // Another worker won the race: its template is as good as ours.
  }
  rmSync(building, { recursive: true, force: true });
  return template;
}

/** A fresh copy of the migrated template: a new, isolated embedded data directory. */
export async function freshDataDir(): Promise<string> {
  const template = await embeddedTemplate();
  const dir = mkdtempSync(join(tmpdir(), 'noetl-test-db-'));
  const dataDir = join(dir, 'db');
  cpSync(template, dataDir, { recursive: true });
  return dataDir;
}

/** A fresh, migrated schema in this run's PostgreSQL database, named `schema` (a unique name by default). */
export async function freshSchema(schema = uniqueName('t')): Promise<string> {
  const store = await openStore(
    { backend: 'postgres', connectionString: testDatabaseUrl(), schema, source: 'test' },
    { schemaCheck: 'none' },
  );
  try {
    await migrate(store);
  } finally {
    await store.close();
  }
  return schema;
}

export async function dropSchema(schema: string): Promise<void> {
  const store = await openStore(
    { backend: 'postgres', connectionString: testDatabaseUrl(), schema, source: 'test' },
    { schemaCheck: 'none' },
  );
  try {
    await store.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await store.close();
  }
}

export type { Store };

/** Makes `store.close()` idempotent, running `after` once the store itself is closed (a test may close early, and a fixture again at the end). */
export function closeOnce(store: Store, after: () => Promise<void> = async () => undefined): Store {
  const close = store.close.bind(store);
  let closed = false;
  store.close = async () => {
    if (closed) return;
    closed = true;
    await close();
    await after();
  };
  return store;
}
