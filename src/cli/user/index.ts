import { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { newUserDisableCommand, newUserEnableCommand } from './disable.js';
import { newUserLsCommand } from './ls.js';
import { newUserRoleCommand } from './role/index.js';
import { newUserShowCommand } from './show.js';

export function newUserCommand(ctx: CommandContext): Command {
  return new Command('user')
    .description('Gateway users (made by their first Auth0 login): list, show, disable, enable, and their roles')
    .addHelpText('after', '\nExamples:\n  $ noetl user ls\n  $ noetl user show ada@example.com\n  $ noetl user role add ada@example.com developer\n  $ noetl user disable mallory@example.com --yes')
    .addCommand(newUserLsCommand(ctx))
    .addCommand(newUserShowCommand(ctx))
    .addCommand(newUserDisableCommand(ctx))
    .addCommand(newUserEnableCommand(ctx))
    .addCommand(newUserRoleCommand(ctx));
}
