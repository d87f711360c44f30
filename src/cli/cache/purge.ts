import { Command } from 'commander';
import type { NoetlClient } from '../../api/index.js';
import type { CommandContext } from '../context.js';
import { invalidError } from '../../core/errors.js';
import type { IO } from '../io.js';
import { printStructured, type OutputFormat } from '../output.js';
import { confirmDestructive, requireYesOffTerminal } from '../prompt.js';

export interface PurgeOptions {
  expired: boolean;
  yes: boolean;
  output: OutputFormat;
}

export interface PurgeDeps {
  io: IO;
  client: NoetlClient;
  info(message: string): void;
  /** A yes/no question (TTY only; the terminal's by default); tests pass their own. */
  confirm?(question: string): Promise<boolean>;
}

const DELETING = 'purging expired cache entries';

export function newPurgeCommand(ctx: CommandContext): Command {
  return new Command('purge')
    .description('Remove expired cache entries, which can no longer be served (asks on a TTY; --yes otherwise)')
    .option('--expired', 'remove every entry whose expiry has passed (required)')
    .option('-y, --yes', 'do not ask (required when not on a TTY)')
    .addHelpText('after', '\nExamples:\n  $ noetl cache purge --expired\n  $ noetl cache purge --expired --yes -o json')
    .action(async (opts: { expired?: boolean; yes?: boolean }) => {
      const purge: PurgeOptions = { expired: Boolean(opts.expired), yes: Boolean(opts.yes), output: ctx.globals().output };
      checkPurgeFlags(purge, ctx.io);
      const client = await ctx.client();
      await runPurge(purge, { io: ctx.io, client, info: (m) => ctx.info(m) });
    });
}

/** Checked before the database is opened. */
function checkPurgeFlags(opts: PurgeOptions, io: IO): void {
  if (!opts.expired) {
    throw invalidError("cache purge removes expired entries only: pass --expired (to remove an execution's entries use 'noetl cache cleanup --execution ID')");
  }
  requireYesOffTerminal(io, opts.yes, DELETING);
}

export async function runPurge(opts: PurgeOptions, deps: PurgeDeps): Promise<void> {
  checkPurgeFlags(opts, deps.io);
  await confirmDestructive(deps.io, { yes: opts.yes, question: 'Delete every expired cache entry?', action: DELETING, declined: 'no cache entry deleted', ask: deps.confirm });
  const result = await deps.client.cache.purgeExpired();
  const { removed } = result;
  printStructured(deps.io, opts.output, result);
  deps.info(`purged ${removed} expired cache ${removed === 1 ? 'entry' : 'entries'}`);
}
