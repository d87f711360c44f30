import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { CliError, ExitCode } from '../core/errors.js';

/** Where the database is, after flag > environment > config file > embedded default. */
export type ConnectionConfig =
  | { backend: 'embedded'; dataDir: string; schema: string; source: string }
  | { backend: 'postgres'; connectionString?: string; schema: string; source: string };

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
}

const PG_ENV = ['PGHOST', 'PGHOSTADDR', 'PGPORT', 'PGDATABASE', 'PGSERVICE'];

export function configDir(env: NodeJS.ProcessEnv): string {
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'noetl');
}

export function defaultDataDir(env: NodeJS.ProcessEnv): string {
  return join(env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'noetl', 'db');
}

export function loadConfigFile(env: NodeJS.ProcessEnv): ConfigFile {
  const path = join(configDir(env), 'config.yaml');
  if (!existsSync(path)) return {};
  let parsed: unknown;
  try {
    // yaml loads only when a config file exists: start-up time is what every command pays.
    const { parse } = createRequire(import.meta.url)('yaml') as typeof import('yaml');
    parsed = parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new CliError(`config file ${path} is not valid YAML: ${(err as Error).message.split('\n')[0]}; fix or remove it`, ExitCode.usage);
  }
  if (parsed == null) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new CliError(`config file ${path} must be a mapping (database_url, data_dir, schema, key_file)`, ExitCode.usage);
  }
  return parsed as ConfigFile;
}

export function resolveConnection(flags: ConnectionFlags, env: NodeJS.ProcessEnv, file: ConfigFile = loadConfigFile(env)): ConnectionConfig {
  if (flags.databaseUrl && flags.dataDir) {
    throw new CliError('--database-url and --data-dir name two different databases: give one of them', ExitCode.usage);
  }
  const schema = env.NOETL_SCHEMA || file.schema || 'noetl';
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(schema)) {
    throw new CliError(`schema name '${schema}' is not a plain SQL identifier: use letters, digits and _`, ExitCode.usage);
  }
  if (flags.databaseUrl) return { backend: 'postgres', connectionString: flags.databaseUrl, schema, source: '--database-url' };
  if (flags.dataDir) return { backend: 'embedded', dataDir: flags.dataDir, schema, source: '--data-dir' };
  if (env.NOETL_DATABASE_URL) return { backend: 'postgres', connectionString: env.NOETL_DATABASE_URL, schema, source: 'NOETL_DATABASE_URL' };
  if (env.NOETL_DATA_DIR) return { backend: 'embedded', dataDir: env.NOETL_DATA_DIR, schema, source: 'NOETL_DATA_DIR' };
  const pgVar = PG_ENV.find((name) => env[name]);
  if (pgVar) return { backend: 'postgres', schema, source: pgVar };
  if (file.database_url) return { backend: 'postgres', connectionString: file.database_url, schema, source: 'config file' };
  if (file.data_dir) return { backend: 'embedded', dataDir: file.data_dir, schema, source: 'config file' };
  return { backend: 'embedded', dataDir: defaultDataDir(env), schema, source: 'default' };
}

/** A connection URL fit to print: the password replaced by ***. */
export function maskUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@');
  }
}
