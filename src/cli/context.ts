import type { NoetlClient } from '../api/index.js';
import type { TokenAuthority } from '../api/tokens.js';
import type { Store } from '../backends/sql/store.js';
import type { BackendReport } from './client.js';
import type { IO } from './io.js';
import type { OutputFormat } from './output.js';

/** The global flags, as parsed (DESIGN.md "Conventions"). */
export interface GlobalOptions {
  /** --server: a NoETL server's URL (the HTTP backend). */
  server?: string;
  /** --token-file: the file (or - for stdin) holding the server's token. */
  tokenFile?: string;
  /** --context: a context of config.yaml instead of the current one. */
  context?: string;
  databaseUrl?: string;
  dataDir?: string;
  output: OutputFormat;
  color: boolean;
  quiet: boolean;
  verbose: boolean;
  lockTimeoutMs: number;
  keyFile?: string;
  /** --require-sealed: refuse legacy plaintext rows. */
  requireSealed: boolean;
  /** --allow-new-key: write with a master key that opens none of the sealed records. */
  allowNewKey: boolean;
  /** --strict: unknown config.yaml keys are errors. */
  strict: boolean;
}

/** How a command's client is opened. */
export interface ClientOptions {
  /**
   * auto (default): the embedded database is migrated on first use, PostgreSQL's schema must be
   * current; none: no check (the `db` commands inspect and migrate the schema themselves).
   */
  schemaCheck?: 'auto' | 'none';
}

/** What `noetl serve` serves: the client, and the token authority over the same database. */
export interface ServerBackend {
  client: NoetlClient;
  tokens: TokenAuthority;
  /** The same database, for a server's own tables (`noetl gateway`'s auth schema). */
  store: Store;
}

/**
 * What every command's action gets: its I/O, the environment, the global options and
 * lazily opened clients. Run functions take the pieces they need as arguments, so a
 * test calls them with an in-memory IO and a real store, without a terminal.
 */
export interface CommandContext {
  io: IO;
  env: NodeJS.ProcessEnv;
  /** Valid once argv is parsed, i.e. inside an action. */
  globals(): GlobalOptions;
  /**
   * The client of the configured backend, opened once per command (the first call's options
   * decide how); main closes it when the action ends. Built in src/cli/client.ts.
   */
  client(options?: ClientOptions): Promise<NoetlClient>;
  /** The client and the token authority over the same database (`noetl serve`). */
  serverBackend(): Promise<ServerBackend>;
  /** Which backend this run uses, where that choice came from, and whether it answers (`noetl status`). */
  backendReport(): Promise<BackendReport>;
  /** The clock: the real one, or NOETL_NOW (an ISO time) when set, to reproduce expiry decisions. */
  now(): Date;
  /** The process exit code when the action returns normally (errors carry their own). */
  setExitCode(code: number): void;
  /** A warning on stderr ("warning: …"); shown even with --quiet. */
  warn(message: string): void;
  /** Progress and confirmations on stderr; silenced by --quiet. */
  info(message: string): void;
}
