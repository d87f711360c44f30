import { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { newTokenCreateCommand } from './create.js';
import { newTokenLsCommand } from './ls.js';
import { newTokenRmCommand } from './rm.js';

export function newTokenCommand(ctx: CommandContext): Command {
  return new Command('token')
    .description('Service tokens for `noetl serve`: create (shown once, stored as a hash), list, remove')
    .addHelpText(
      'after',
      '\nExamples:\n  $ noetl token create ci-reader --role reader --ttl 30d\n  $ noetl token ls\n  $ noetl token rm ci-reader --yes',
    )
    .addCommand(newTokenCreateCommand(ctx))
    .addCommand(newTokenLsCommand(ctx))
    .addCommand(newTokenRmCommand(ctx));
}
