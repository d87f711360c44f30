/**
 * The one place the CLI builds a NoetlClient: the HTTP client of a NoETL server (--server,
 * NOETL_SERVER_URL or a context, with its token), or the local client over the configured
 * database (flags, environment, context, config file: src/cli/config.ts) and the master keys
 * for it; the token authority `noetl serve` checks requests with; what `noetl status` reports;
 * and the read-only client of shell completion. Commands see only the client; nothing else
 * under src/cli/ imports from src/backends/. Every backend module is imported when first
 * needed: remote mode never loads pg, PGlite or the local backend.
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BackendKind, NoetlClient } from '../api/index.js';
import type { ConnectionConfig } from '../backends/sql/connect.js';
import type { Store } from '../backends/sql/store.js';
import type { KeySet } from '../core/envelope.js';
import { NoetlError, invalidError } from '../core/errors.js';
import { maskUrl } from '../core/database-url.js';
import { readInputFile } from '../io/input-file.js';
import { getSecret } from '../io/token-store.js';
import { loadConfigFile, resolveBackend, type BackendChoice, type ChoiceOrigin, type ConfigFile } from './config.js';
import type { ClientOptions, CommandContext, GlobalOptions, ServerBackend } from './context.js';
import { readStdin, type IO } from './io.js';

/** What a command run's backend needs of its context. */
export interface SessionHost {
  env: NodeJS.ProcessEnv;
  /** stdin, for `--token-file -`. */
  io: IO;
  globals(): GlobalOptions;
  warn(message: string): void;
  info(message: string): void;
  now(): Date;
  /** The command being run (`noetl keychain get`), for the embedded lock's holder label. */
  command(): string;
}


/** Where a token comes from: --token-file, NOETL_TOKEN, or the keyring entry (or 0600 file) of the context. */
export interface TokenChoice {
  token?: string;
  /** `--token-file /path`, `NOETL_TOKEN`, `OS keyring noetl/token:prod`, or null when there is none. */
  source: string | null;
}

/** What `noetl status` reports of the backend (its JSON keys, snake_case like the wire types). */
export interface BackendReport {
  backend: BackendKind;
  /** Where the choice came from: flag, env, context, config (database_url/data_dir of config.yaml) or default. */
  from: ChoiceOrigin;
  /** The flag, variable or context that chose it (`--server`, `NOETL_DATABASE_URL`, `context prod`). */
  source: string;
  /** The context that chose the backend, if one did. */
  context: string | null;
  /** current_context of config.yaml (what `noetl context use` set). */
  current_context: string | null;
  /** The server's URL, the data directory, or the connection URL with its password masked. */
  location: string;
  reachable: boolean;
  /** Why it is not reachable or not usable (one line), else null. */
  error: string | null;
  /** Local backends: the highest applied migration (null: not initialised) and how many are pending. */
  schema_version: number | null;
  pending_migrations: number | null;
  /** Local backends: where the master key comes from (never the key), or null with key_error saying why. */
  key_source: string | null;
  key_error: string | null;
  /** PostgreSQL's version, or the NoETL server's (its /openapi.json info.version). */
  server_version: string | null;
  /** HTTP: where the token comes from, and whether the server accepted it (null: not checked). */
  token_source: string | null;
  authenticated: boolean | null;
}

/** A token is one line; a file of more than this is not a token file. */
const MAX_TOKEN_BYTES = 16 * 1024;
/** How long `noetl status` waits for a server's /health and /openapi.json. */
const PROBE_TIMEOUT_MS = 5000;

/**
 * The backend of one command run: the configuration resolved once (so an unknown config.yaml
 * key is reported once), the client opened at most once (a store and the keys for it, or an
 * HTTP client and its token), closed by the run context when the action ends.
 */
export class BackendSession {
  private store?: Promise<Store>;
  private opened?: Promise<NoetlClient>;
  private file?: Promise<ConfigFile>;
  private chosen?: Promise<BackendChoice>;
  private token?: Promise<TokenChoice>;
  private readonly loadedKeys = new Map<'read' | 'write', Promise<KeySet>>();

  constructor(private readonly host: SessionHost) {}

  /** The client, opened once per command; the first call's options decide how a store is opened. */
  client(options: ClientOptions = {}): Promise<NoetlClient> {
    this.opened ??= this.choice().then(async (choice) => {
      if (choice.kind === 'http') return this.httpClient(choice.serverUrl);
      // The local backend's modules load while the store connects, not after it.
      const modules = localModules();
      const store = await this.openStore(options);
      return this.localClient(store, await modules);
    });
    return this.opened;
  }

  /** The client, and the token authority over the same store (`noetl serve`). */
  async serverBackend(): Promise<ServerBackend> {
    const choice = await this.choice();
    if (choice.kind === 'http') throw invalidError(`noetl serve needs a direct database connection, and ${choice.source} names a NoETL server: give --database-url or --data-dir`);
    const client = await this.client();
    const [{ localTokenAuthority }, store] = await Promise.all([import('../backends/local/tokens.js'), this.openStore()]);
    return { client, tokens: localTokenAuthority({ store }), store };
  }

  /** Which backend this run uses, where from, and whether it answers (`noetl status`). */
  async report(): Promise<BackendReport> {
    const [choice, file] = await Promise.all([this.choice(), this.configFile()]);
    const base = {
      backend: choice.kind === 'http' ? ('http' as const) : choice.connection.backend,
      from: choice.origin,
      source: choice.kind === 'http' ? choice.source : choice.connection.source,
      location: '',
      context: choice.context ?? null,
      current_context: file.current_context ?? null,
      reachable: false,
      error: null,
      schema_version: null,
      pending_migrations: null,
      key_source: null,
      key_error: null,
      server_version: null,
      token_source: null,
      authenticated: null,
    };
    if (choice.kind === 'http') return { ...base, location: choice.serverUrl, ...(await this.probeServer(choice.serverUrl)) };
    const config = choice.connection;
    const report: BackendReport = {
      ...base,
      location: config.backend === 'embedded' ? resolve(config.dataDir) : config.connectionString ? maskUrl(config.connectionString) : `PG* environment (${config.source})`,
    };
    try {
      const { loadKeysWithSource } = await import('../backends/sql/keys.js');
      const loaded = await loadKeysWithSource({ env: this.host.env, keyFile: this.host.globals().keyFile, configKeyFile: file.key_file, backend: config.backend, purpose: 'read', warn: (m) => this.host.warn(m) });
      report.key_source = loaded.source.location;
    } catch (err) {
      if (!(err instanceof NoetlError)) throw err;
      report.key_error = err.message;
    }
    // An embedded database is created on first use: status creates nothing.
    if (config.backend === 'embedded' && !existsSync(join(config.dataDir, 'PG_VERSION'))) {
      return { ...report, reachable: true };
    }
    try {
      const client = await this.client({ schemaCheck: 'none' });
      const info = await client.admin!.databaseInfo();
      return { ...report, reachable: true, schema_version: info.schema_version, pending_migrations: info.pending_migrations, server_version: config.backend === 'postgres' ? info.server_version : null };
    } catch (err) {
      if (!(err instanceof NoetlError)) throw err;
      return { ...report, error: err.message };
    }
  }

  /** Closes the client or the store if the command opened one. */
  async close(): Promise<void> {
    const pending = this.opened ?? this.store;
    this.opened = undefined;
    this.store = undefined;
    if (!pending) return;
    const opened = await pending.catch(() => undefined);
    await opened?.close();
  }

  /** The backend: flags, environment, context, config file (src/cli/config.ts), resolved once per command. */
  choice(): Promise<BackendChoice> {
    if (!this.chosen) {
      const g = this.host.globals();
      this.chosen = this.configFile().then((file) => {
        const choice = resolveBackend({ server: g.server, databaseUrl: g.databaseUrl, dataDir: g.dataDir, context: g.context }, this.host.env, file);
        if (choice.kind !== 'http' && g.tokenFile !== undefined) {
          throw invalidError('--token-file is the token of a NoETL server, and this command uses a database: give --server URL (or a context with a server) too, or leave --token-file out');
        }
        if (g.verbose) this.host.info(choice.kind === 'http' ? `server: ${choice.serverUrl} (${choice.source})` : `database: ${choice.connection.backend} (${choice.connection.source})`);
        return choice;
      });
    }
    return this.chosen;
  }

  /**
   * The token for a server: --token-file FILE (or - for stdin), then NOETL_TOKEN, then what
   * `noetl context add` stored for the context, when the server is that context's (a context's
   * token is never sent to another server). None: requests go without one.
   */
  tokenChoice(): Promise<TokenChoice> {
    this.token ??= (async () => {
      const { tokenFile } = this.host.globals();
      if (tokenFile !== undefined) return { token: await readTokenFile(tokenFile, this.host.io, (m) => this.host.warn(m)), source: tokenFile === '-' ? '--token-file - (stdin)' : `--token-file ${resolve(tokenFile)}` };
      const fromEnv = this.host.env.NOETL_TOKEN?.trim();
      if (fromEnv) return { token: fromEnv, source: 'NOETL_TOKEN' };
      const choice = await this.choice();
      if (choice.kind === 'http' && choice.origin === 'context' && choice.context) {
        const stored = await getSecret(this.host.env, choice.context, 'token');
        if (stored) return { token: stored.value, source: stored.location };
      }
      return { source: null };
    })();
    return this.token;
  }

  private async httpClient(serverUrl: string): Promise<NoetlClient> {
    const [{ createHttpClient }, { token }] = await Promise.all([import('../backends/http/index.js'), this.tokenChoice()]);
    // The server's own advice for a missing token (an Authorization header, `noetl token create`) is for whoever runs it.
    const unauthenticatedMessage =
      token === undefined
        ? `the NoETL server at ${serverUrl} needs a service token and none was given: pass --token-file FILE, set NOETL_TOKEN, or store one with \`noetl context add NAME --server URL --token-file FILE\``
        : undefined;
    return createHttpClient({ serverUrl, token, unauthenticatedMessage });
  }

  /** /health (reachable), /openapi.json (the server's version), and the token tried on a read. */
  private async probeServer(serverUrl: string): Promise<Pick<BackendReport, 'reachable' | 'error' | 'server_version' | 'token_source' | 'authenticated'>> {
    const [{ source }, { createTransport }] = await Promise.all([this.tokenChoice(), import('../backends/http/transport.js')]);
    // No token and no retry: /health and /openapi.json are public, and status reports what it finds at once.
    const probe = createTransport({ serverUrl, timeoutMs: PROBE_TIMEOUT_MS, retryDelaysMs: [] });
    try {
      await probe.request('GET', '/health');
    } catch (err) {
      await probe.close();
      if (!(err instanceof NoetlError)) throw err;
      return { reachable: false, error: err.message, server_version: null, token_source: source, authenticated: null };
    }
    const version = await probe
      .request('GET', '/openapi.json')
      .then((doc) => (doc as { info?: { version?: unknown } } | undefined)?.info?.version)
      .catch(() => null)
      .finally(() => probe.close());
    const server_version = typeof version === 'string' ? version : null;
    try {
      const client = await this.client();
      await client.credentials.list();
      return { reachable: true, error: null, server_version, token_source: source, authenticated: true };
    } catch (err) {
      if (!(err instanceof NoetlError)) throw err;
      return { reachable: true, error: err.message, server_version, token_source: source, authenticated: err.code === 'unauthenticated' || err.code === 'forbidden' ? false : null };
    }
  }

  private openStore(options: ClientOptions = {}): Promise<Store> {
    if (!this.store) {
      const g = this.host.globals();
      this.store = (async () => {
        const config = await this.connection();
        // The agent's client (which loads pg) with the SQL layer, not after it.
        const [{ openStore }] = await Promise.all([import('../backends/sql/connect.js'), config.backend === 'embedded' && config.agent ? import('../agent/client.js') : undefined]);
        return openStore(config, {
          lockTimeoutMs: g.lockTimeoutMs,
          command: this.host.command(),
          clock: () => this.host.now(),
          schemaCheck: options.schemaCheck,
          warn: (m) => this.host.warn(m),
        });
      })();
    }
    return this.store;
  }

  private localClient(store: Store, [{ createLocalClient }, { defaultProviders, providerEndpoints }]: LocalModules): NoetlClient {
    const { env } = this.host;
    return createLocalClient({
      store,
      keys: (purpose) => this.keys(purpose),
      // Secret managers at their public endpoints unless NOETL_*_URL overrides them (keychain resolve).
      providers: defaultProviders(providerEndpoints(env)),
      // Rotation needs to know where the key came from: a key noetl generated is replaced in place.
      keyAdmin: {
        load: async () => {
          const [{ loadKeysWithSource }, file] = await Promise.all([import('../backends/sql/keys.js'), this.configFile()]);
          return loadKeysWithSource({ env, keyFile: this.host.globals().keyFile, configKeyFile: file.key_file, backend: store.info.backend, purpose: 'read', warn: (m) => this.host.warn(m) });
        },
        async adopt(source, key) {
          if (source.kind !== 'generated-file' && source.kind !== 'generated-keyring') return undefined;
          const { replaceGeneratedKey } = await import('../backends/sql/keys.js');
          await replaceGeneratedKey(env, source, key);
          return source.location;
        },
      },
    });
  }

  /**
   * The master keys (NOETL_ENCRYPTION_KEY, --key-file / NOETL_ENCRYPTION_KEY_FILE / key_file, the OS
   * keyring, or a generated one for the embedded default), checked against the sealed records of
   * the store, loaded once per purpose (the check reads the database). Refuses (invalid) where no
   * key is configured and none may be generated, and a 'write' with a key that opens none of them.
   */
  private keys(purpose: 'read' | 'write'): Promise<KeySet> {
    let loaded = this.loadedKeys.get(purpose);
    if (!loaded) {
      const g = this.host.globals();
      const { env } = this.host;
      loaded = (async () => {
        const [{ loadKeys }, { requireSealedMode }, file, store] = await Promise.all([
          import('../backends/sql/keys.js'),
          import('../backends/sql/sealed.js'),
          this.configFile(),
          this.openStore(),
        ]);
        const keys = await loadKeys({ env, keyFile: g.keyFile, configKeyFile: file.key_file, backend: store.info.backend, purpose, store, allowNewKey: g.allowNewKey, warn: (m) => this.host.warn(m) });
        return requireSealedMode(g.requireSealed, env, file.require_sealed) ? { ...keys, requireSealed: true } : keys;
      })();
      this.loadedKeys.set(purpose, loaded);
    }
    return loaded;
  }

  /** config.yaml, read once per command (so an unknown key is reported once). */
  private configFile(): Promise<ConfigFile> {
    if (!this.file) {
      const g = this.host.globals();
      this.file = (async () => loadConfigFile(this.host.env, { strict: g.strict, warn: (m) => this.host.warn(m) }))();
    }
    return this.file;
  }

  /** Where the database is: the backend chosen, when it is a database. */
  private async connection(): Promise<ConnectionConfig> {
    const choice = await this.choice();
    if (choice.kind === 'http') throw new Error('a store opened for a NoETL server');
    return choice.connection;
  }
}

type LocalModules = [typeof import('../backends/local/index.js'), typeof import('../backends/local/renew/providers/index.js')];

function localModules(): Promise<LocalModules> {
  const modules = Promise.all([import('../backends/local/index.js'), import('../backends/local/renew/providers/index.js')]);
  modules.catch(() => undefined); // awaited after the store opens, which may fail first
  return modules;
}

/** The configured backend, to be opened read only (shell completion). */
export interface ReadOnlyBackend {
  kind: BackendKind;
  /** Opens the client; closing it closes the store. */
  open(): Promise<NoetlClient>;
}

/**
 * The configured backend for reading names only: an embedded database that does not exist yet
 * is not there (undefined: a completion must not leave a data directory and a key behind), one
 * that another command holds is not waited for, nothing is migrated, and no master key is ever
 * loaded (an operation that needs one fails). A server is asked with the run's token.
 */
export function readOnlyBackend(ctx: Pick<CommandContext, 'env' | 'globals' | 'io'>, command: string): ReadOnlyBackend | undefined {
  const session = new BackendSession({ env: ctx.env, io: ctx.io, globals: () => ctx.globals(), warn: () => undefined, info: () => undefined, now: () => new Date(), command: () => command });
  const g = ctx.globals();
  const choice = resolveBackend({ server: g.server, databaseUrl: g.databaseUrl, dataDir: g.dataDir, context: g.context }, ctx.env);
  if (choice.kind === 'http') return { kind: 'http', open: () => session.client() };
  const config = choice.connection;
  if (config.backend === 'embedded' && !existsSync(join(config.dataDir, 'PG_VERSION'))) return undefined;
  return {
    kind: config.backend,
    async open() {
      const [{ openStore }, { createLocalClient }] = await Promise.all([import('../backends/sql/connect.js'), import('../backends/local/index.js')]);
      const store = await openStore(config, { lockTimeoutMs: 0, command, schemaCheck: 'none', poolSize: 1 });
      return createLocalClient({ store, keys: () => Promise.reject(new Error(`${command} reads no sealed record`)) });
    },
  };
}

/**
 * The token in FILE (or stdin for -): one line, at most 16 KiB; a file others may read is
 * warned about, as key files are. The token is never part of a message.
 */
export async function readTokenFile(spec: string, io: IO, warn: (message: string) => void): Promise<string> {
  if (spec.trim() === '') throw invalidError('--token-file is empty: give a file holding the token, or - to read it from stdin');
  let text: string;
  if (spec === '-') {
    if (io.stdinIsTTY) throw invalidError('--token-file - reads stdin, but stdin is a terminal: pipe the token in, or give --token-file FILE');
    text = await readStdin(io, '--token-file - (stdin)', MAX_TOKEN_BYTES);
  } else {
    const path = resolve(spec);
    text = readInputFile(path, `token file ${path} (--token-file)`, MAX_TOKEN_BYTES);
    if (process.platform !== 'win32' && (statSync(path).mode & 0o077) !== 0) warn(`token file ${path} can be read by other users: run \`chmod 600 ${path}\``);
  }
  const token = text.trim();
  if (token === '' || /[\r\n]/.test(token)) throw invalidError(`${spec === '-' ? 'stdin' : `token file ${resolve(spec)}`} (--token-file) must hold the token alone, on one line`);
  return token;
}
