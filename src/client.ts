/**
 * The library's entry point: `createClient(…)` returns a NoetlClient over the backend it names,
 * the same operations the CLI's commands call.
 *
 *   const client = await createClient({ dataDir: './noetl-data', key: process.env.MY_KEY });
 *   try { await client.vars.set(…) } finally { await client.close() }
 */
import type { NoetlClient } from './api/index.js';
import { NoetlError } from './core/errors.js';
import type { KeySet } from './core/envelope.js';
import type { HttpClientOptions } from './backends/http/index.js';

/** Where the master key comes from; with none of these, the environment decides as for the CLI. */
export interface KeyOptions {
  /** The master key: its 32 bytes, or their base64 (as NOETL_ENCRYPTION_KEY). */
  key?: Buffer | string;
  /** A file holding the master key (as --key-file). */
  keyFile?: string;
  /**
   * The environment read for what is not given here (NOETL_ENCRYPTION_KEY, NOETL_ENCRYPTION_KEY_FILE,
   * previous keys, NOETL_SCHEMA, XDG_* folders of a generated key): process.env by default.
   */
  env?: NodeJS.ProcessEnv;
  /** A write may use a key that opens none of the sealed records (as --allow-new-key). */
  allowNewKey?: boolean;
}

export interface DatabaseOptions extends KeyOptions {
  /** The schema of the tables ('noetl', or NOETL_SCHEMA). */
  schema?: string;
  /** The clock every expiry decision uses (tests pin it). */
  clock?: () => Date;
  /** PostgreSQL: the most connections the client opens at once (10). */
  poolSize?: number;
  /** Embedded: how long to wait for another process holding the data directory (30 s). */
  lockTimeoutMs?: number;
  /** Warnings (a generated key, a data directory tightened): none are shown by default. */
  warn?(message: string): void;
}

export type CreateClientOptions =
  | ({ databaseUrl: string } & DatabaseOptions)
  | ({ dataDir: string } & DatabaseOptions)
  | ({ serverUrl: string; token: string } & Omit<HttpClientOptions, 'serverUrl' | 'token'>);

/**
 * A NoetlClient: `{ databaseUrl }` a PostgreSQL database (its schema must be migrated),
 * `{ dataDir }` the embedded database in that folder (created and migrated on first use),
 * `{ serverUrl, token }` a NoETL server's REST API (`noetl serve`, or an upstream NoETL server;
 * no `admin` there). Close it when done.
 */
export async function createClient(options: CreateClientOptions): Promise<NoetlClient> {
  if ('serverUrl' in options) {
    const { createHttpClient } = await import('./backends/http/index.js');
    return createHttpClient(options);
  }
  const [{ openStore }, { checkDatabaseUrl, checkSchemaName }, { loadKeys }, { createLocalClient }] = await Promise.all([
    import('./backends/sql/connect.js'),
    import('./core/database-url.js'),
    import('./backends/sql/keys.js'),
    import('./backends/local/index.js'),
  ]);
  const env = keyEnv(options);
  const schema = options.schema ?? (env.NOETL_SCHEMA || 'noetl');
  checkSchemaName(schema);
  const warn = options.warn ?? (() => undefined);
  let store;
  if ('databaseUrl' in options && options.databaseUrl !== undefined) {
    checkDatabaseUrl(options.databaseUrl, 'databaseUrl');
    store = await openStore({ backend: 'postgres', connectionString: options.databaseUrl, schema, source: 'databaseUrl' }, { clock: options.clock, warn, poolSize: options.poolSize });
  } else if ('dataDir' in options && options.dataDir) {
    store = await openStore(
      { backend: 'embedded', dataDir: options.dataDir, schema, source: 'dataDir' },
      { clock: options.clock, warn, lockTimeoutMs: options.lockTimeoutMs, command: 'library' },
    );
  } else {
    throw new NoetlError('invalid', 'createClient needs databaseUrl, dataDir, or serverUrl and token');
  }
  const opened = store;
  const loaded = new Map<'read' | 'write', Promise<KeySet>>();
  const keys = (purpose: 'read' | 'write'): Promise<KeySet> => {
    let keySet = loaded.get(purpose);
    if (!keySet) {
      keySet = loadKeys({ env, keyFile: options.keyFile, backend: opened.info.backend, purpose, store: opened, allowNewKey: options.allowNewKey, warn });
      // A failed load (no key yet) is tried again next time.
      keySet.catch(() => loaded.delete(purpose));
      loaded.set(purpose, keySet);
    }
    return keySet;
  };
  return createLocalClient({ store: opened, keys });
}

/** The environment the key loader reads: `key` given here stands for NOETL_ENCRYPTION_KEY. */
function keyEnv(options: KeyOptions): NodeJS.ProcessEnv {
  const env = options.env ?? process.env;
  if (options.key === undefined) return env;
  const base64 = typeof options.key === 'string' ? options.key : options.key.toString('base64');
  return { ...env, NOETL_ENCRYPTION_KEY: base64 };
}
