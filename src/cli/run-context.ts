import type { Command } from 'commander';
import type { NoetlClient } from '../api/index.js';
import { NoetlError } from '../core/errors.js';
import { ExitCode } from './exit-codes.js';
import type { BackendReport, BackendSession } from './client.js';
import type { ClientOptions, CommandContext, GlobalOptions, ServerBackend } from './context.js';
import type { IO } from './io.js';
import type { OutputFormat } from './output.js';

/**
 * The CommandContext of one process run: global options from the root command, the backend
 * (src/cli/client.ts) opened at most once (and closed by main), the clock, warnings and progress on stderr.
 */
export class RunContext implements CommandContext {
  private program?: Command;
  /** The command being run (`noetl keychain get`), for the embedded lock's holder label. */
  private running = 'noetl';
  /** The backend of this run (src/cli/client.ts), loaded and opened on a command's first use. */
  private session?: Promise<BackendSession>;
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
      server?: string;
      tokenFile?: string;
      context?: string;
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
      server: o.server,
      tokenFile: o.tokenFile,
      context: o.context,
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

  private backend(): Promise<BackendSession> {
    this.session ??= import('./client.js').then(({ BackendSession }) => new BackendSession({ env: this.env, io: this.io, globals: () => this.globals(), warn: (m) => this.warn(m), info: (m) => this.info(m), now: () => this.now(), command: () => this.running }));
    return this.session;
  }

  async client(options?: ClientOptions): Promise<NoetlClient> {
    return (await this.backend()).client(options);
  }

  async serverBackend(): Promise<ServerBackend> {
    return (await this.backend()).serverBackend();
  }

  async backendReport(): Promise<BackendReport> {
    return (await this.backend()).report();
  }

  /** Closes the store if a command opened it; main calls this once the action is done. */
  async close(): Promise<void> {
    if (!this.session) return;
    const pending = this.session;
    this.session = undefined;
    const session = await pending.catch(() => undefined);
    await session?.close();
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
