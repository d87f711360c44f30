import { Command } from 'commander';
import { accessOf, type AccessDeps } from '../../access/common.js';
import type { CommandContext } from '../../context.js';
import { printStructured, type OutputFormat } from '../../output.js';
import { confirmDestructive, requireYesOffTerminal } from '../../prompt.js';

export interface UserRoleRmOptions {
  user: string;
  role: string;
  yes: boolean;
  output: OutputFormat;
}

export function newUserRoleRmCommand(ctx: CommandContext): Command {
  return new Command('rm')
    .alias('remove')
    .description('Take a role from a user (asks on a TTY; --yes otherwise)')
    .argument('<user>', 'an email, or a numeric user id')
    .argument('<role>', 'role name')
    .option('-y, --yes', 'do not ask')
    .addHelpText('after', '\nExamples:\n  $ noetl user role rm ada@example.com developer\n  $ noetl user role rm 7 admin --yes -o json')
    .action(async (user: string, role: string, opts: { yes?: boolean }) => {
      const yes = Boolean(opts.yes);
      requireYesOffTerminal(ctx.io, yes, `taking role '${role}' from '${user}'`);
      await runUserRoleRm({ user, role, yes, output: ctx.globals().output }, { io: ctx.io, client: await ctx.client(), info: (m) => ctx.info(m) });
    });
}

export async function runUserRoleRm(opts: UserRoleRmOptions, deps: AccessDeps): Promise<void> {
  const access = accessOf(deps.client);
  const action = `taking role '${opts.role}' from '${opts.user}'`;
  requireYesOffTerminal(deps.io, opts.yes, action);
  if (!opts.yes) {
    const user = await access.user(opts.user);
    if (!user.roles.includes(opts.role)) await access.removeUserRole(opts.user, opts.role);
    await confirmDestructive(deps.io, { yes: false, question: `Take role '${opts.role}' from ${user.email}?`, action, declined: `${user.email} keeps role '${opts.role}'`, ask: deps.confirm });
  }
  const removed = await access.removeUserRole(opts.user, opts.role);
  printStructured(deps.io, opts.output, removed);
  deps.info(`took role ${removed.role} from ${removed.email}`);
}
