import { Command } from 'commander';
import type { CommandContext } from '../../context.js';
import { newUserRoleAddCommand } from './add.js';
import { newUserRoleRmCommand } from './rm.js';

export function newUserRoleCommand(ctx: CommandContext): Command {
  return new Command('role')
    .description("A user's roles: add, remove")
    .addHelpText('after', '\nExamples:\n  $ noetl user role add ada@example.com developer\n  $ noetl user role rm ada@example.com viewer --yes')
    .addCommand(newUserRoleAddCommand(ctx))
    .addCommand(newUserRoleRmCommand(ctx));
}
