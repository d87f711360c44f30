import { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { printData, type OutputFormat } from '../output.js';
import { accessOf, yesNo, type AccessDeps } from './common.js';

export function newAccessLsCommand(ctx: CommandContext): Command {
  return new Command('ls')
    .alias('list')
    .description('List the playbook permissions of every role, or of one')
    .option('--role <role>', 'only this role')
    .addHelpText('after', '\nExamples:\n  $ noetl access ls\n  $ noetl access ls --role developer -o json')
    .action(async (opts: { role?: string }) => {
      await runAccessLs({ role: opts.role, output: ctx.globals().output }, { io: ctx.io, client: await ctx.client(), info: (m) => ctx.info(m) });
    });
}

export async function runAccessLs(opts: { role?: string; output: OutputFormat }, deps: AccessDeps): Promise<void> {
  const permissions = await accessOf(deps.client).permissions({ role: opts.role });
  printData(deps.io, opts.output, permissions, () => ({
    head: ['ROLE', 'PATTERN', 'EXECUTE', 'VIEW', 'MODIFY', 'DENY'],
    rows: permissions.map((p) => [p.role_name, p.playbook_path, yesNo(p.can_execute), yesNo(p.can_view), yesNo(p.can_modify), p.deny_pattern ?? '']),
  }));
}
