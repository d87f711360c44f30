import type { NoetlClient } from '../api/index.js';
import type { KeySet } from '../core/envelope.js';
import type { Store } from '../backends/sql/store.js';
import type { IO } from './io.js';
import type { OutputFormat } from './output.js';

/** The global flags, as parsed (DESIGN.md "Conventions"). */
export interface GlobalOptions {
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
  /** The client of the configured backend, opened once per command; main closes it when the action ends. */
  client(): Promise<NoetlClient>;
  /** Opens the configured store once per command; main closes it when the action ends. */
  openStore(options?: { schemaCheck?: 'auto' | 'none' }): Promise<Store>;
  /**
   * The master keys (NOETL_ENCRYPTION_KEY, --key-file / NOETL_ENCRYPTION_KEY_FILE, the OS keyring,
   * or a generated one for the embedded default), checked against the sealed records of the store
   * (which it opens). Refuses (exit 2) where no key is configured and none may be generated
   * (PostgreSQL, or sealed records exist), and a 'write' with a key that opens none of them.
   */
  keys(purpose: 'read' | 'write'): Promise<KeySet>;
  /** The clock: the real one, or NOETL_NOW (an ISO time) when set, to reproduce expiry decisions. */
  now(): Date;
  /** The process exit code when the action returns normally (errors carry their own). */
  setExitCode(code: number): void;
  /** A warning on stderr ("warning: …"); shown even with --quiet. */
  warn(message: string): void;
  /** Progress and confirmations on stderr; silenced by --quiet. */
  info(message: string): void;
}
