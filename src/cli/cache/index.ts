import { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { newCleanupCommand } from './cleanup.js';
import { newLsCommand } from './ls.js';
import { newPurgeCommand } from './purge.js';
import { newStatsCommand } from './stats.js';

export function newCacheCommand(ctx: CommandContext): Command {
  return new Command('cache')
    .description('The credential cache: execution-scoped credentials and global tokens')
    .addHelpText('after', '\nExamples:\n  $ noetl cache ls --scope global\n  $ noetl cache stats\n  $ noetl cache purge --expired\n  $ noetl cache cleanup --execution 507431238966182300')
    .addCommand(newLsCommand(ctx))
    .addCommand(newStatsCommand(ctx))
    .addCommand(newPurgeCommand(ctx))
    .addCommand(newCleanupCommand(ctx));
}
