/**
 * The one place the CLI builds a NoetlClient: the local client over the configured database
 * (flags, environment, config file: src/cli/config.ts) and the master keys for it, the token
 * authority `noetl serve` checks requests with, and the read-only client of shell completion.
 * Commands see only the client; nothing else under src/cli/ imports from src/backends/.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { NoetlClient } from '../api/index.js';
import { createLocalClient } from '../backends/local/index.js';
import { defaultProviders, providerEndpoints } from '../backends/local/renew/providers/index.js';
import { openStore, type ConnectionConfig } from '../backends/sql/connect.js';
import type { Store } from '../backends/sql/store.js';
import type { KeySet } from '../core/envelope.js';
import { loadConfigFile, resolveConnection, type ConfigFile } from './config.js';
import type { ClientOptions, CommandContext, GlobalOptions, ServerBackend } from './context.js';

/** What a command run's backend needs of its context. */
export interface SessionHost {
  env: NodeJS.ProcessEnv;
  globals(): GlobalOptions;
  warn(message: string): void;
  info(message: string): void;
  now(): Date;
  /** The command being run (`noetl keychain get`), for the embedded lock's holder label. */
  command(): string;
}

/**
 * The backend of one command run: the configuration resolved once (so an unknown config.yaml
 * key is reported once), the store opened at most once, the keys loaded once per purpose, and
 * the client over them. The run context closes it when the action ends.
 */
export class LocalSession {
  private store?: Promise<Store>;
  private opened?: Promise<NoetlClient>;
  private file?: Promise<ConfigFile>;
  private resolved?: Promise<ConnectionConfig>;
  private readonly loadedKeys = new Map<'read' | 'write', Promise<KeySet>>();

  constructor(private readonly host: SessionHost) {}

  /** The client, opened once per command; the first call's options decide how the store is opened. */
  client(options: ClientOptions = {}): Promise<NoetlClient> {
    this.opened ??= this.openStore(options).then((store) => this.localClient(store));
    return this.opened;
  }

  /** The client, and the token authority over the same store (`noetl serve`). */
  async serverBackend(): Promise<ServerBackend> {
    const client = await this.client();
    const [{ localTokenAuthority }, store] = await Promise.all([import('../backends/local/tokens.js'), this.openStore()]);
    return { client, tokens: localTokenAuthority({ store }), store };
  }

  /** Closes the store if the command opened it. */
  async close(): Promise<void> {
    if (!this.store) return;
    const pending = this.store;
    this.store = undefined;
    const store = await pending.catch(() => undefined);
    await store?.close();
  }

  private openStore(options: ClientOptions = {}): Promise<Store> {
    if (!this.store) {
      const g = this.host.globals();
      this.store = (async () => {
        const config = await this.connection();
        if (g.verbose) this.host.info(`database: ${config.backend} (${config.source})`);
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

  private localClient(store: Store): NoetlClient {
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

  /** Where the database is (flags, environment, config file): resolved once per command. */
  private connection(): Promise<ConnectionConfig> {
    if (!this.resolved) {
      const g = this.host.globals();
      this.resolved = this.configFile().then((file) => resolveConnection({ databaseUrl: g.databaseUrl, dataDir: g.dataDir }, this.host.env, file));
    }
    return this.resolved;
  }
}

/** The configured backend, to be opened read only (shell completion). */
export interface ReadOnlyBackend {
  kind: 'embedded' | 'postgres';
  /** Opens the client; closing it closes the store. */
  open(): Promise<NoetlClient>;
}

/**
 * The configured backend for reading names only: an embedded database that does not exist yet
 * is not there (undefined: a completion must not leave a data directory and a key behind), one
 * that another command holds is not waited for, nothing is migrated, and no master key is ever
 * loaded (an operation that needs one fails).
 */
export function readOnlyBackend(ctx: Pick<CommandContext, 'env' | 'globals'>, command: string): ReadOnlyBackend | undefined {
  const g = ctx.globals();
  const config = resolveConnection({ databaseUrl: g.databaseUrl, dataDir: g.dataDir }, ctx.env);
  if (config.backend === 'embedded' && !existsSync(join(config.dataDir, 'PG_VERSION'))) return undefined;
  return {
    kind: config.backend,
    async open() {
      const store = await openStore(config, { lockTimeoutMs: 0, command, schemaCheck: 'none', poolSize: 1 });
      return createLocalClient({ store, keys: () => Promise.reject(new Error(`${command} reads no sealed record`)) });
    },
  };
}
