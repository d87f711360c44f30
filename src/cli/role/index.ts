import { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { newRoleLsCommand } from './ls.js';

export function newRoleCommand(ctx: CommandContext): Command {
  return new Command('role')
    .description('Gateway roles (admin, developer, analyst, viewer, …): what `user role add` and `access grant` name')
    .addHelpText('after', '\nExamples:\n  $ noetl role ls\n  $ noetl role ls -o json')
    .addCommand(newRoleLsCommand(ctx));
}
