import { Command } from 'commander';
import { relativeTime } from '../../core/duration.js';
import { accessOf, yesNo, type AccessDeps } from '../access/common.js';
import type { CommandContext } from '../context.js';
import { printData, type OutputFormat } from '../output.js';

export function newUserLsCommand(ctx: CommandContext): Command {
  return new Command('ls')
    .alias('list')
    .description('List the gateway users, with their roles')
    .addHelpText('after', '\nExamples:\n  $ noetl user ls\n  $ noetl user ls -o json | jq -r \'.[] | select(.is_active) | .email\'')
    .action(async () => {
      await runUserLs({ output: ctx.globals().output }, { io: ctx.io, client: await ctx.client(), info: (m) => ctx.info(m), now: () => ctx.now() });
    });
}

export async function runUserLs(opts: { output: OutputFormat }, deps: AccessDeps & { now(): Date }): Promise<void> {
  const users = await accessOf(deps.client).users();
  const now = deps.now();
  printData(deps.io, opts.output, users, () => ({
    head: ['ID', 'EMAIL', 'NAME', 'ROLES', 'ACTIVE', 'LAST LOGIN'],
    rows: users.map((u) => [u.user_id, u.email, u.display_name ?? '', u.roles.join(','), yesNo(u.is_active), u.last_login_at ? relativeTime(new Date(u.last_login_at), now, '') : 'never']),
  }));
}
