import { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { newGetCommand } from './get.js';
import { newRmCommand } from './rm.js';
import { newSetCommand } from './set.js';
import { newShowCommand } from './show.js';
import { newStatsCommand } from './stats.js';

export function newVarsCommand(ctx: CommandContext): Command {
  return new Command('vars')
    .description('Execution variables: bearer tokens, step results and computed values of one execution')
    .addHelpText(
      'after',
      '\nExamples:\n  $ noetl vars show 507431238966182398\n  $ noetl vars get 507431238966182398 fetch_data --field status\n  $ noetl vars stats',
    )
    .addCommand(newShowCommand(ctx))
    .addCommand(newGetCommand(ctx))
    .addCommand(newSetCommand(ctx))
    .addCommand(newRmCommand(ctx))
    .addCommand(newStatsCommand(ctx));
}
