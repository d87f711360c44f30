/**
 * Where the CLI's backend and settings are: the --server / --database-url / --data-dir / --context
 * flags, the NOETL_* and PG* environment, and $XDG_CONFIG_HOME/noetl/config.yaml (settings and
 * contexts), resolved to a NoETL server's URL or the ConnectionConfig the SQL layer opens.
 * Precedence, as kubectl and gh users expect: flag > environment > context > config file > default.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import type { Document } from 'yaml';
import type { AgentSettings, ConnectionConfig, PgEnv } from '../backends/sql/connect.js';
import { NoetlError, invalidError } from '../core/errors.js';
import { checkDatabaseUrl, checkSchemaName } from '../core/database-url.js';
import { parseDuration } from '../core/duration.js';
import { closest } from '../core/suggest.js';
import { configDir } from '../io/dirs.js';
import { parseHttpUrl } from '../io/http.js';
import { readInputFile } from '../io/input-file.js';
import { writePrivateFile } from '../io/private-file.js';
import { CONTEXT_NAME } from '../io/token-store.js';

export { configDir };
export type { ConnectionConfig };


export interface ConnectionFlags {
  databaseUrl?: string;
  dataDir?: string;
}

/** The global flags that choose a backend. */
export interface BackendFlags extends ConnectionFlags {
  server?: string;
  context?: string;
}

/** One context of config.yaml: exactly one of its keys says where its backend is. Its token is never here (src/io/token-store.ts). */
export interface ContextEntry {
  server?: string;
  database_url?: string;
  data_dir?: string;
}

const CONTEXT_KEYS = ['server', 'database_url', 'data_dir'] as const;

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
  /** The context used when no flag or environment variable names a backend (`noetl context use`). */
  current_context?: string;
  /** Named backends (`noetl context add`). */
  contexts?: Record<string, ContextEntry>;
  /** Serve the embedded database from a background agent (default true; as NOETL_EMBEDDED_AGENT). */
  embedded_agent?: boolean;
  /** How long the agent waits without a connection before it exits (default 10m; as NOETL_AGENT_IDLE_TIMEOUT). */
  agent_idle_timeout?: string;
}

/** Every key config.yaml may have, and the type of its value. */
const CONFIG_KEYS: Record<keyof ConfigFile, 'string' | 'boolean' | 'mapping'> = {
  database_url: 'string',
  data_dir: 'string',
  schema: 'string',
  key_file: 'string',
  strict: 'boolean',
  require_sealed: 'boolean',
  current_context: 'string',
  contexts: 'mapping',
  embedded_agent: 'boolean',
  agent_idle_timeout: 'string',
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
    if (!hasType(value, type)) throw invalidError(`config file ${path}: ${key} must be ${TYPE_NAMES[type]}; fix or remove it`);
  }
  const strict = options.strict || file.strict === true;
  const unknownKeys = (keys: string[], known: readonly string[], where: string) => {
    for (const key of keys.filter((k) => !known.includes(k))) {
      const guess = closest(key, known);
      const what = `config file ${path}: unknown key '${key}'${where}${guess ? ` (did you mean ${guess}?)` : ''}`;
      if (strict) throw invalidError(`${what}: fix or remove it (strict mode refuses unknown keys; known: ${known.join(', ')})`);
      options.warn?.(`${what}; it is ignored`);
    }
  };
  unknownKeys(Object.keys(file), Object.keys(CONFIG_KEYS), '');
  for (const [name, entry] of Object.entries((file.contexts ?? {}) as Record<string, unknown>)) {
    const where = `config file ${path}: context '${name}'`;
    if (!CONTEXT_NAME.test(name)) throw invalidError(`${where}: the name must be letters, digits, '.', '_' or '-'; fix or remove it`);
    if (!hasType(entry, 'mapping')) throw invalidError(`${where} must be a mapping with one of ${CONTEXT_KEYS.join(', ')}; fix or remove it`);
    const record = entry as Record<string, unknown>;
    const given = CONTEXT_KEYS.filter((k) => record[k] !== undefined && record[k] !== null);
    if (given.length !== 1) throw invalidError(`${where} must have exactly one of ${CONTEXT_KEYS.join(', ')}${given.length ? ` (it has ${given.join(' and ')})` : ''}; fix or remove it`);
    if (!hasType(record[given[0]], 'string')) throw invalidError(`${where}: ${given[0]} must be a non-empty string; fix or remove it`);
    unknownKeys(Object.keys(record), CONTEXT_KEYS, ` in context '${name}'`);
  }
  return file as ConfigFile;
}

const TYPE_NAMES = { string: 'a non-empty string', boolean: 'true or false', mapping: 'a mapping' } as const;

function hasType(value: unknown, type: keyof typeof TYPE_NAMES): boolean {
  if (type === 'mapping') return typeof value === 'object' && value !== null && !Array.isArray(value);
  if (type === 'string') return typeof value === 'string' && value.trim() !== '';
  return typeof value === 'boolean';
}

/**
 * Changes config.yaml: `edit` gets it as a YAML document (comments and the order of keys are
 * kept) and the result replaces the file atomically, mode 0600 in a 0700 directory.
 */
export function updateConfigFile(env: NodeJS.ProcessEnv, edit: (doc: Document) => void): void {
  const path = configFilePath(env);
  const text = existsSync(path) ? readInputFile(path, `config file ${path}`, MAX_CONFIG_BYTES) : '';
  const { parseDocument } = createRequire(import.meta.url)('yaml') as typeof import('yaml');
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new NoetlError('invalid', `config file ${path} is not valid YAML: ${doc.errors[0].message.split('\n')[0]}; fix or remove it`);
  edit(doc);
  try {
    writePrivateFile(path, doc.toString());
  } catch (err) {
    throw new NoetlError('unavailable', `cannot write config file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** Where a context's backend is: `http`, `postgres` or `embedded`, and its URL or directory. */
export function contextBackend(entry: ContextEntry): { kind: 'http' | 'postgres' | 'embedded'; location: string } {
  if (entry.server) return { kind: 'http', location: entry.server };
  if (entry.database_url) return { kind: 'postgres', location: entry.database_url };
  return { kind: 'embedded', location: entry.data_dir ?? '' };
}

/** The context called `name`, or not_found with a did-you-mean. */
export function findContext(file: ConfigFile, name: string): ContextEntry {
  const contexts = file.contexts ?? {};
  if (Object.hasOwn(contexts, name)) return contexts[name];
  const guess = closest(name, Object.keys(contexts));
  throw new NoetlError('not_found', `context '${name}' does not exist${guess ? ` (did you mean ${guess}?)` : ''}`, { hint: { command: 'context ls', text: 'to see the contexts' } });
}

/**
 * A NoETL server's URL: http or https, no user or password in it (a token goes in a file:
 * --token-file), no query or fragment. The URL is never echoed (it might hold a secret).
 */
export function checkServerUrl(url: string, source: string): string {
  parseHttpUrl(url, source, 'give the token with --token-file FILE or NOETL_TOKEN instead');
  return url.replace(/\/+$/, '');
}

/** Where the backend choice came from, most specific first. */
export type ChoiceOrigin = 'flag' | 'env' | 'context' | 'config' | 'default';

/** The backend of a command run: a NoETL server, or a database (embedded or PostgreSQL). */
export type BackendChoice =
  | { kind: 'http'; serverUrl: string; origin: ChoiceOrigin; source: string; context?: string }
  | { kind: 'database'; connection: ConnectionConfig; origin: ChoiceOrigin; context?: string };

const BACKEND_FLAGS = [
  ['server', '--server'],
  ['databaseUrl', '--database-url'],
  ['dataDir', '--data-dir'],
  ['context', '--context'],
] as const;

/**
 * The backend: --server / --database-url / --data-dir / --context (at most one), then
 * NOETL_SERVER_URL, NOETL_DATABASE_URL, NOETL_DATA_DIR, then the context named by
 * current_context, then PG*, then database_url / data_dir of config.yaml, then the embedded default.
 */
export function resolveBackend(flags: BackendFlags, env: NodeJS.ProcessEnv, file: ConfigFile = loadConfigFile(env)): BackendChoice {
  for (const [key, flag] of BACKEND_FLAGS) {
    if (flags[key] !== undefined && flags[key].trim() === '') throw invalidError(`${flag} is empty: ${EMPTY_ADVICE[key]}`);
  }
  const given = BACKEND_FLAGS.filter(([key]) => flags[key] !== undefined).map(([, flag]) => flag);
  if (given.length > 1) {
    const databases = given.every((flag) => flag === '--database-url' || flag === '--data-dir');
    throw invalidError(`${given[0]} and ${given[1]} name two different ${databases ? 'databases' : 'backends'}: give one of them`);
  }
  const database = (origin: ChoiceOrigin): BackendChoice => ({ kind: 'database', connection: resolveConnection(flags, env, file), origin });
  if (flags.server) return { kind: 'http', serverUrl: checkServerUrl(flags.server, '--server'), origin: 'flag', source: '--server' };
  if (flags.databaseUrl || flags.dataDir) return database('flag');
  if (flags.context) return fromContext(flags, env, file, flags.context, `--context ${flags.context}`);
  if (env.NOETL_SERVER_URL) {
    const other = ['NOETL_DATABASE_URL', 'NOETL_DATA_DIR'].find((name) => env[name]);
    if (other) throw invalidError(`NOETL_SERVER_URL and ${other} name two different backends: unset one of them (or choose with --server, --database-url or --data-dir)`);
    return { kind: 'http', serverUrl: checkServerUrl(env.NOETL_SERVER_URL, 'NOETL_SERVER_URL'), origin: 'env', source: 'NOETL_SERVER_URL' };
  }
  if (env.NOETL_DATABASE_URL || env.NOETL_DATA_DIR) return database('env');
  if (file.current_context) return fromContext(flags, env, file, file.current_context, `context ${file.current_context}`);
  const connection = resolveConnection(flags, env, file);
  return { kind: 'database', connection, origin: PG_ENV.includes(connection.source) ? 'env' : connection.source === 'config file' ? 'config' : 'default' };
}

const EMPTY_ADVICE = {
  server: 'give http(s)://HOST[:PORT], or leave the flag out',
  databaseUrl: 'give a postgres:// URL, or leave the flag out',
  dataDir: 'give a directory, or leave the flag out for the default',
  context: 'give a context name (noetl context ls), or leave the flag out',
} as const;

function fromContext(flags: BackendFlags, env: NodeJS.ProcessEnv, file: ConfigFile, name: string, source: string): BackendChoice {
  let entry: ContextEntry;
  try {
    entry = findContext(file, name);
  } catch (err) {
    // The current context was removed from config.yaml by hand: say where the name came from.
    if (flags.context === undefined && err instanceof NoetlError) {
      throw new NoetlError('not_found', `the current context '${name}' (current_context in ${configFilePath(env)}) does not exist`, { hint: { command: 'context use NAME', text: 'to choose another' } });
    }
    throw err;
  }
  if (entry.server) return { kind: 'http', serverUrl: checkServerUrl(entry.server, `server of context '${name}'`), origin: 'context', source, context: name };
  return { kind: 'database', connection: resolveConnection({}, env, file, entry, name), origin: 'context', context: name };
}

/**
 * The database (a server's URL is not one: see resolveBackend): the flags, NOETL_DATABASE_URL,
 * NOETL_DATA_DIR, PG*, then config.yaml, then the embedded default; or the database of a context.
 */
export function resolveConnection(flags: ConnectionFlags, env: NodeJS.ProcessEnv, file: ConfigFile = loadConfigFile(env), context?: ContextEntry, contextName?: string): ConnectionConfig {
  // An empty flag would otherwise fall through to the next setting, unnoticed.
  if (flags.dataDir !== undefined && flags.dataDir.trim() === '') throw invalidError(`--data-dir is empty: ${EMPTY_ADVICE.dataDir}`);
  if (flags.databaseUrl !== undefined && flags.databaseUrl.trim() === '') throw invalidError(`--database-url is empty: ${EMPTY_ADVICE.databaseUrl}`);
  if (flags.databaseUrl !== undefined && flags.dataDir !== undefined) {
    throw new NoetlError('invalid', '--database-url and --data-dir name two different databases: give one of them');
  }
  const schema = env.NOETL_SCHEMA || file.schema || 'noetl';
  checkSchemaName(schema);
  // pg reads libpq variables from process.env: these come from the command's environment instead.
  const pgEnv: PgEnv = Object.fromEntries(LIBPQ_ENV.filter((name) => env[name]).map((name) => [name, env[name]]));
  const postgres = (connectionString: string, source: string): ConnectionConfig => {
    checkDatabaseUrl(connectionString, source);
    return { backend: 'postgres', connectionString, schema, source, pgEnv };
  };
  if (flags.databaseUrl) return postgres(flags.databaseUrl, '--database-url');
  const embedded = (dataDir: string, source: string): ConnectionConfig => ({ backend: 'embedded', dataDir, schema, source, agent: agentSettings(env, file) });
  if (flags.dataDir) return embedded(flags.dataDir, '--data-dir');
  if (context?.server) throw invalidError(`context '${contextName}' is a NoETL server, not a database`);
  if (context?.database_url) {
    checkDatabaseUrl(context.database_url, `database_url of context '${contextName}'`);
    return { backend: 'postgres', connectionString: context.database_url, schema, source: `context ${contextName}`, pgEnv };
  }
  if (context?.data_dir) return embedded(resolve(context.data_dir), `context ${contextName}`);
  if (env.NOETL_DATABASE_URL) return postgres(env.NOETL_DATABASE_URL, 'NOETL_DATABASE_URL');
  if (env.NOETL_DATA_DIR) return embedded(env.NOETL_DATA_DIR, 'NOETL_DATA_DIR');
  const pgVar = PG_ENV.find((name) => env[name]);
  if (pgVar) return { backend: 'postgres', schema, source: pgVar, pgEnv };
  if (file.database_url) return postgres(file.database_url, 'config file');
  if (file.data_dir) return embedded(file.data_dir, 'config file');
  return embedded(defaultDataDir(env), 'default');
}

/** The agent by default; NOETL_EMBEDDED_AGENT=off (or `embedded_agent: false`) opens the embedded database in the command's own process. */
function agentSettings(env: NodeJS.ProcessEnv, file: ConfigFile): AgentSettings | undefined {
  const setting = env.NOETL_EMBEDDED_AGENT?.trim().toLowerCase();
  if (setting && !['on', 'off', 'true', 'false', '1', '0'].includes(setting)) {
    throw invalidError(`NOETL_EMBEDDED_AGENT=${env.NOETL_EMBEDDED_AGENT} is not on or off: set it to off to open the embedded database in each command, or leave it unset`);
  }
  const on = setting ? ['on', 'true', '1'].includes(setting) : file.embedded_agent !== false;
  if (!on) return undefined;
  const [idle, where] = env.NOETL_AGENT_IDLE_TIMEOUT ? [env.NOETL_AGENT_IDLE_TIMEOUT, 'NOETL_AGENT_IDLE_TIMEOUT'] : [file.agent_idle_timeout ?? '10m', 'agent_idle_timeout'];
  const seconds = parseDuration(idle);
  if (seconds === undefined) throw invalidError(`${where} ${idle} is not a duration: use e.g. 90s, 10m or 1h`);
  return { idleMs: seconds * 1000 };
}
