import type { Command } from 'commander';
import type { NoetlClient } from '../api/index.js';
import type { KeySet } from '../core/envelope.js';
import type { ConfigFile, ConnectionConfig } from '../backends/sql/config.js';
import type { Store } from '../backends/sql/store.js';
import { NoetlError } from '../core/errors.js';
import { ExitCode } from './exit-codes.js';
import type { CommandContext, GlobalOptions } from './context.js';
import type { IO } from './io.js';
import type { OutputFormat } from './output.js';

/**
 * The CommandContext of one process run: global options from the root command, the store
 * opened at most once (and closed by main), the clock, warnings and progress on stderr.
 */
export class RunContext implements CommandContext {
  private program?: Command;
  /** The command being run (`noetl keychain get`), for the embedded lock's holder label. */
  private running = 'noetl';
  private store?: Promise<Store>;
  private opened?: Promise<NoetlClient>;
  private resolved?: Promise<ConnectionConfig>;
  private file?: Promise<ConfigFile>;
  private readonly loadedKeys = new Map<'read' | 'write', Promise<KeySet>>();
  private exitCode: number = ExitCode.ok;
  private readonly fixedNow?: Date;

  constructor(
    readonly io: IO,
    readonly env: NodeJS.ProcessEnv,
  ) {
    if (env.NOETL_NOW) {
      const at = new Date(env.NOETL_NOW);
      if (Number.isNaN(at.getTime())) throw new NoetlError('invalid', `NOETL_NOW=${env.NOETL_NOW} is not an ISO time (e.g. 2026-01-01T00:00:00Z)`);
      this.fixedNow = at;
    }
  }

  attach(program: Command): void {
    this.program = program;
    program.hook('preAction', (_root, action) => {
      this.running = commandPath(action);
    });
  }

  globals(): GlobalOptions {
    if (!this.program) throw new Error('globals() before the command line was parsed');
    const o = this.program.opts<{
      databaseUrl?: string;
      dataDir?: string;
      output: OutputFormat;
      color: boolean;
      quiet?: boolean;
      verbose?: boolean;
      lockTimeout: number;
      keyFile?: string;
      requireSealed?: boolean;
      allowNewKey?: boolean;
      strict?: boolean;
    }>();
    return {
      databaseUrl: o.databaseUrl,
      dataDir: o.dataDir,
      output: o.output,
      color: this.io.color,
      quiet: Boolean(o.quiet),
      verbose: Boolean(o.verbose),
      lockTimeoutMs: o.lockTimeout * 1000,
      keyFile: o.keyFile,
      requireSealed: Boolean(o.requireSealed),
      allowNewKey: Boolean(o.allowNewKey),
      strict: Boolean(o.strict),
    };
  }

  openStore(options: { schemaCheck?: 'auto' | 'none' } = {}): Promise<Store> {
    if (!this.store) {
      const g = this.globals();
      this.store = (async () => {
        const [config, { openStore }] = await Promise.all([this.connection(), import('../backends/sql/connect.js')]);
        if (g.verbose) this.info(`database: ${config.backend} (${config.source})`);
        return openStore(config, {
          lockTimeoutMs: g.lockTimeoutMs,
          command: this.running,
          clock: () => this.now(),
          schemaCheck: options.schemaCheck,
          warn: (m) => this.warn(m),
        });
      })();
    }
    return this.store;
  }

  client(): Promise<NoetlClient> {
    this.opened ??= import('./client.js').then(({ openClient }) => openClient(this));
    return this.opened;
  }

  /** Closes the store if a command opened it; main calls this once the action is done. */
  async close(): Promise<void> {
    if (!this.store) return;
    const pending = this.store;
    this.store = undefined;
    const store = await pending.catch(() => undefined);
    await store?.close();
  }

  /** Loaded once per purpose: the check against the stored records reads the database. */
  keys(purpose: 'read' | 'write'): Promise<KeySet> {
    let loaded = this.loadedKeys.get(purpose);
    if (!loaded) {
      const g = this.globals();
      loaded = (async () => {
        const [{ loadKeys }, { requireSealedMode }, file, store] = await Promise.all([
          import('../backends/sql/keys.js'),
          import('../backends/sql/sealed.js'),
          this.configFile(),
          this.openStore(),
        ]);
        const keys = await loadKeys({ env: this.env, keyFile: g.keyFile, backend: store.info.backend, purpose, store, allowNewKey: g.allowNewKey, warn: (m) => this.warn(m) });
        return requireSealedMode(g.requireSealed, this.env, file.require_sealed) ? { ...keys, requireSealed: true } : keys;
      })();
      this.loadedKeys.set(purpose, loaded);
    }
    return loaded;
  }

  /** config.yaml, read once per command (so an unknown key is reported once). */
  private configFile(): Promise<ConfigFile> {
    if (!this.file) {
      const g = this.globals();
      this.file = import('../backends/sql/config.js').then(({ loadConfigFile }) => loadConfigFile(this.env, { strict: g.strict, warn: (m) => this.warn(m) }));
    }
    return this.file;
  }

  /** Where the database is (flags, environment, config file): resolved once per command. */
  private connection(): Promise<ConnectionConfig> {
    if (!this.resolved) {
      const g = this.globals();
      this.resolved = Promise.all([import('../backends/sql/config.js'), this.configFile()]).then(([{ resolveConnection }, file]) =>
        resolveConnection({ databaseUrl: g.databaseUrl, dataDir: g.dataDir }, this.env, file),
      );
    }
    return this.resolved;
  }

  now(): Date {
    return this.fixedNow ? new Date(this.fixedNow) : new Date();
  }

  setExitCode(code: number): void {
    this.exitCode = code;
  }

  get pendingExitCode(): number {
    return this.exitCode;
  }

  warn(message: string): void {
    this.io.stderr.write(`warning: ${message}\n`);
  }

  info(message: string): void {
    if (this.program && this.program.opts().quiet) return;
    this.io.stderr.write(`${message}\n`);
  }
}

/** `noetl keychain get`: a command's name with its parents'. */
export function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}
