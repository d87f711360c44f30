import { Command } from 'commander';
import type { Store } from '../../store/store.js';
import type { CommandContext } from '../context.js';
import { usageError } from '../../core/errors.js';
import type { IO } from '../io.js';
import { printStructured, type OutputFormat } from '../output.js';

export interface PurgeOptions {
  expired: boolean;
  output: OutputFormat;
}

export interface PurgeDeps {
  io: IO;
  store: Store;
  info(message: string): void;
}

export function newPurgeCommand(ctx: CommandContext): Command {
  return new Command('purge')
    .description('Remove expired cache entries (they can no longer be served)')
    .option('--expired', 'remove every entry whose expiry has passed (required)')
    .addHelpText('after', '\nExamples:\n  $ noetl cache purge --expired\n  $ noetl cache purge --expired -o json')
    .action(async (opts: { expired?: boolean }) => {
      const store = await ctx.openStore();
      await runPurge({ expired: Boolean(opts.expired), output: ctx.globals().output }, { io: ctx.io, store, info: (m) => ctx.info(m) });
    });
}

export async function runPurge(opts: PurgeOptions, deps: PurgeDeps): Promise<void> {
  if (!opts.expired) {
    throw usageError("cache purge removes expired entries only: pass --expired (to remove an execution's entries use 'noetl cache cleanup --execution ID')");
  }
  const { purgeExpiredCache } = await import('../../store/cache.js');
  const removed = await purgeExpiredCache(deps.store);
  printStructured(deps.io, opts.output, { removed });
  deps.info(`purged ${removed} expired cache ${removed === 1 ? 'entry' : 'entries'}`);
}
