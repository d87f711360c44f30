/**
 * Where the CLI's database and settings are: the --database-url / --data-dir flags, the
 * NOETL_* and PG* environment, and $XDG_CONFIG_HOME/noetl/config.yaml, resolved to the
 * ConnectionConfig the SQL layer opens.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type { ConnectionConfig, PgEnv } from '../backends/sql/connect.js';
import { NoetlError, invalidError } from '../core/errors.js';
import { checkDatabaseUrl } from '../core/database-url.js';
import { closest } from '../core/suggest.js';
import { configDir } from '../io/dirs.js';
import { readInputFile } from '../io/input-file.js';

export { configDir };
export type { ConnectionConfig };


export interface ConnectionFlags {
  databaseUrl?: string;
  dataDir?: string;
}

/** Keys of $XDG_CONFIG_HOME/noetl/config.yaml. */
export interface ConfigFile {
  database_url?: string;
  data_dir?: string;
  schema?: string;
  key_file?: string;
  /** Refuse legacy plaintext rows (as --require-sealed). */
  require_sealed?: boolean;
  /** Refuse unknown keys in this file (as --strict does). */
  strict?: boolean;
}

/** Every key config.yaml may have, and the type of its value. */
const CONFIG_KEYS: Record<keyof ConfigFile, 'string' | 'boolean'> = {
  database_url: 'string',
  data_dir: 'string',
  schema: 'string',
  key_file: 'string',
  strict: 'boolean',
  require_sealed: 'boolean',
};

export interface LoadConfigOptions {
  /** --strict: an unknown key is an error (so is `strict: true` in the file itself). */
  strict?: boolean;
  /** Where an unknown key is reported when not strict; without it, unknown keys pass silently. */
  warn?(message: string): void;
}

/** config.yaml holds a handful of settings: anything larger is not one. */
const MAX_CONFIG_BYTES = 64 * 1024;

const PG_ENV = ['PGHOST', 'PGHOSTADDR', 'PGPORT', 'PGDATABASE', 'PGSERVICE'];
/** The libpq variables passed on to pg (PgEnv). */
const LIBPQ_ENV = ['PGHOST', 'PGPORT', 'PGUSER', 'PGPASSWORD', 'PGDATABASE', 'PGSSLMODE'] as const;

export function defaultDataDir(env: NodeJS.ProcessEnv): string {
  return join(env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'noetl', 'db');
}

export function configFilePath(env: NodeJS.ProcessEnv): string {
  return join(configDir(env), 'config.yaml');
}

/**
 * The config file, its known keys checked (a wrong type is exit 2). An unknown key (a typo such
 * as `databse_url`) would silently leave a setting out, so it is warned about, or refused when strict.
 */
export function loadConfigFile(env: NodeJS.ProcessEnv, options: LoadConfigOptions = {}): ConfigFile {
  const path = configFilePath(env);
  if (!existsSync(path)) return {};
  const text = readInputFile(path, `config file ${path}`, MAX_CONFIG_BYTES);
  let parsed: unknown;
  try {
    // yaml loads only when a config file exists: start-up time is what every command pays.
    const { parse } = createRequire(import.meta.url)('yaml') as typeof import('yaml');
    parsed = parse(text);
  } catch (err) {
    throw new NoetlError('invalid', `config file ${path} is not valid YAML: ${(err as Error).message.split('\n')[0]}; fix or remove it`);
  }
  if (parsed == null) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new NoetlError('invalid', `config file ${path} must be a mapping (${Object.keys(CONFIG_KEYS).join(', ')})`);
  }
  const file = parsed as Record<string, unknown>;
  for (const [key, type] of Object.entries(CONFIG_KEYS)) {
    const value = file[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== type || (type === 'string' && (value as string).trim() === '')) {
      throw invalidError(`config file ${path}: ${key} must be ${type === 'string' ? 'a non-empty string' : 'true or false'}; fix or remove it`);
    }
  }
  const strict = options.strict || file.strict === true;
  for (const key of Object.keys(file).filter((k) => !Object.hasOwn(CONFIG_KEYS, k))) {
    const guess = closest(key, Object.keys(CONFIG_KEYS));
    const what = `config file ${path}: unknown key '${key}'${guess ? ` (did you mean ${guess}?)` : ''}`;
    if (strict) throw invalidError(`${what}: fix or remove it (strict mode refuses unknown keys; known: ${Object.keys(CONFIG_KEYS).join(', ')})`);
    options.warn?.(`${what}; it is ignored`);
  }
  return file as ConfigFile;
}

export function resolveConnection(flags: ConnectionFlags, env: NodeJS.ProcessEnv, file: ConfigFile = loadConfigFile(env)): ConnectionConfig {
  // An empty flag would otherwise fall through to the next setting, unnoticed.
  if (flags.dataDir !== undefined && flags.dataDir.trim() === '') throw invalidError('--data-dir is empty: give a directory, or leave the flag out for the default');
  if (flags.databaseUrl !== undefined && flags.databaseUrl.trim() === '') throw invalidError('--database-url is empty: give a postgres:// URL, or leave the flag out');
  if (flags.databaseUrl !== undefined && flags.dataDir !== undefined) {
    throw new NoetlError('invalid', '--database-url and --data-dir name two different databases: give one of them');
  }
  const schema = env.NOETL_SCHEMA || file.schema || 'noetl';
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(schema)) {
    throw new NoetlError('invalid', `schema name '${schema}' is not a plain SQL identifier: use letters, digits and _`);
  }
  // pg reads libpq variables from process.env: these come from the command's environment instead.
  const pgEnv: PgEnv = Object.fromEntries(LIBPQ_ENV.filter((name) => env[name]).map((name) => [name, env[name]]));
  const postgres = (connectionString: string, source: string): ConnectionConfig => {
    checkDatabaseUrl(connectionString, source);
    return { backend: 'postgres', connectionString, schema, source, pgEnv };
  };
  if (flags.databaseUrl) return postgres(flags.databaseUrl, '--database-url');
  if (flags.dataDir) return { backend: 'embedded', dataDir: flags.dataDir, schema, source: '--data-dir' };
  if (env.NOETL_DATABASE_URL) return postgres(env.NOETL_DATABASE_URL, 'NOETL_DATABASE_URL');
  if (env.NOETL_DATA_DIR) return { backend: 'embedded', dataDir: env.NOETL_DATA_DIR, schema, source: 'NOETL_DATA_DIR' };
  const pgVar = PG_ENV.find((name) => env[name]);
  if (pgVar) return { backend: 'postgres', schema, source: pgVar, pgEnv };
  if (file.database_url) return postgres(file.database_url, 'config file');
  if (file.data_dir) return { backend: 'embedded', dataDir: file.data_dir, schema, source: 'config file' };
  return { backend: 'embedded', dataDir: defaultDataDir(env), schema, source: 'default' };
}

/**
 * A connection URL must be postgres:// or postgresql://: anything else would reach pg, which
 * reads what it can of it and then blames the network. The value is never echoed (it may
 * hold a password); its scheme is.
 */
