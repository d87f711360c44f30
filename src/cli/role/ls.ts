import { Command } from 'commander';
import { accessOf, yesNo, type AccessDeps } from '../access/common.js';
import type { CommandContext } from '../context.js';
import { printData, type OutputFormat } from '../output.js';

export function newRoleLsCommand(ctx: CommandContext): Command {
  return new Command('ls')
    .alias('list')
    .description('List the roles and how many users hold each')
    .addHelpText('after', '\nExamples:\n  $ noetl role ls')
    .action(async () => {
      await runRoleLs({ output: ctx.globals().output }, { io: ctx.io, client: await ctx.client(), info: (m) => ctx.info(m) });
    });
}

export async function runRoleLs(opts: { output: OutputFormat }, deps: AccessDeps): Promise<void> {
  const roles = await accessOf(deps.client).roles();
  printData(deps.io, opts.output, roles, () => ({
    head: ['ROLE', 'DESCRIPTION', 'SYSTEM', 'USERS'],
    rows: roles.map((r) => [r.role_name, r.description ?? '', yesNo(r.is_system_role), String(r.user_count)]),
  }));
}
