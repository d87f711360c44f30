import { Command } from 'commander';
import { accessOf, type AccessDeps } from '../access/common.js';
import type { CommandContext } from '../context.js';
import { printStructured, type OutputFormat } from '../output.js';
import { confirmDestructive, requireYesOffTerminal } from '../prompt.js';

export interface UserActiveOptions {
  user: string;
  active: boolean;
  yes: boolean;
  output: OutputFormat;
}

export function newUserDisableCommand(ctx: CommandContext): Command {
  return new Command('disable')
    .description('Disable a user: their sessions end at once and they cannot log in (asks on a TTY; --yes otherwise)')
    .argument('<user>', 'an email, or a numeric user id')
    .option('-y, --yes', 'do not ask')
    .addHelpText('after', '\nExamples:\n  $ noetl user disable mallory@example.com\n  $ noetl user disable 7 --yes -o json')
    .action(async (user: string, opts: { yes?: boolean }) => {
      const yes = Boolean(opts.yes);
      requireYesOffTerminal(ctx.io, yes, `disabling user '${user}'`);
      await runUserSetActive({ user, active: false, yes, output: ctx.globals().output }, { io: ctx.io, client: await ctx.client(), info: (m) => ctx.info(m) });
    });
}

export function newUserEnableCommand(ctx: CommandContext): Command {
  return new Command('enable')
    .description('Enable a disabled user again (they log in anew)')
    .argument('<user>', 'an email, or a numeric user id')
    .addHelpText('after', '\nExamples:\n  $ noetl user enable mallory@example.com')
    .action(async (user: string) => {
      await runUserSetActive({ user, active: true, yes: true, output: ctx.globals().output }, { io: ctx.io, client: await ctx.client(), info: (m) => ctx.info(m) });
    });
}

export async function runUserSetActive(opts: UserActiveOptions, deps: AccessDeps): Promise<void> {
  const access = accessOf(deps.client);
  if (!opts.active) {
    const action = `disabling user '${opts.user}'`;
    requireYesOffTerminal(deps.io, opts.yes, action);
    if (!opts.yes) {
      const user = await access.user(opts.user);
      await confirmDestructive(deps.io, { yes: false, question: `Disable ${user.email}? Their sessions end at once.`, action, declined: `user '${user.email}' not disabled`, ask: deps.confirm });
    }
  }
  const user = await access.setUserActive(opts.user, opts.active);
  printStructured(deps.io, opts.output, user);
  deps.info(`${opts.active ? 'enabled' : 'disabled'} user ${user.email}`);
}
