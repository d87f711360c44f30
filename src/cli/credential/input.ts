/**
 * What the credential commands share: their deps, `--meta` pairs, and how
 * warnings and per-field errors are shown (secret input is readObjectInput in ../io.ts, the
 * confirmation src/cli/prompt.ts). The client opens the database when first asked for.
 */
import type { NoetlClient } from '../../api/index.js';
import { CREDENTIAL_INPUT, extraDetails } from '../../core/credential-input.js';
import { hasReason, invalidError, NoetlError } from '../../core/errors.js';
import type { IO } from '../io.js';
import { printStructured, type OutputFormat } from '../output.js';

/** What every credential run function gets: its IO and the client, opened on first use. */
export interface CredentialDeps {
  io: IO;
  output: OutputFormat;
  /** --verbose: the detail lines of an input error too. */
  verbose?: boolean;
  /** The client (opened once); not called by commands that need no database. */
  client(): Promise<NoetlClient>;
  /** Progress and confirmations (stderr), silenced by --quiet. */
  info(message: string): void;
  /** A prompt for one value (TTY only), hidden when `secret`; tests pass their own. */
  prompt?(message: string, options: { secret: boolean }): Promise<string>;
  /** A yes/no question (TTY only; the terminal's by default); tests pass their own. */
  confirm?(message: string): Promise<boolean>;
}

/** The admin group, or the error saying this command needs a direct database. */
export function requireAdmin(client: NoetlClient, command: string): NonNullable<NoetlClient['admin']> {
  if (!client.admin) throw invalidError(`${command} needs a direct database connection (not available over a server)`);
  return client.admin;
}

/** Builds the deps from the command context. */
export function depsFrom(ctx: import('../context.js').CommandContext): CredentialDeps {
  return {
    io: ctx.io,
    output: ctx.globals().output,
    verbose: ctx.globals().verbose,
    client: () => ctx.client(),
    info: (m) => ctx.info(m),
  };
}

/** `--meta key=value` pairs as an object (values are text). */
export function parseMeta(pairs: string[]): Record<string, unknown> | undefined {
  if (pairs.length === 0) return undefined;
  const meta: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    // The value is not echoed: it may have been meant for somewhere else.
    if (eq <= 0) throw invalidError('a --meta value is not key=value (e.g. --meta owner=ops)');
    meta[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return meta;
}

/** Warnings on stderr, one line each. */
export function printWarnings(io: IO, warnings: string[]): void {
  for (const w of warnings) io.stderr.write(`warning: ${w}\n`);
}

/**
 * Rethrows an input error as its one-line summary. Its detail lines (every schema error,
 * expected and provided fields) go to stderr with --verbose, and to stdout as
 * `{error, details}` with -o json/yaml.
 */
export async function withDetails<T>(deps: Pick<CredentialDeps, 'io' | 'output' | 'verbose'>, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (hasReason(err, CREDENTIAL_INPUT)) {
      const more = extraDetails(err);
      if (deps.verbose) for (const line of more) deps.io.stderr.write(`  ${line}\n`);
      printStructured(deps.io, deps.output, { error: err.message, details: err.details });
      throw new NoetlError(err.code, `${err.message}; nothing was written${detailsHint(deps, more.length > 0)}`);
    }
    throw err;
  }
}

/** Said after a one-line error whose detail lines were left out (`hidden`): where to find them. */
export function detailsHint(deps: Pick<CredentialDeps, 'output' | 'verbose'>, hidden: boolean): string {
  return hidden && !deps.verbose && deps.output === 'table' ? ' (details: --verbose or -o json)' : '';
}
