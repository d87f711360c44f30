import { Command } from 'commander';
import type { AccessUser } from '../../api/index.js';
import { accessOf, yesNo, type AccessDeps } from '../access/common.js';
import type { CommandContext } from '../context.js';
import type { IO } from '../io.js';
import { keyValueView, printData, type OutputFormat } from '../output.js';

export function newUserShowCommand(ctx: CommandContext): Command {
  return new Command('show')
    .description('One gateway user: email, name, roles, whether active, last login')
    .argument('<user>', 'an email, or a numeric user id')
    .addHelpText('after', '\nExamples:\n  $ noetl user show ada@example.com\n  $ noetl user show 1 -o json')
    .action(async (user: string) => {
      await runUserShow({ user, output: ctx.globals().output }, { io: ctx.io, client: await ctx.client(), info: (m) => ctx.info(m) });
    });
}

export async function runUserShow(opts: { user: string; output: OutputFormat }, deps: AccessDeps): Promise<void> {
  printUser(deps.io, opts.output, await accessOf(deps.client).user(opts.user));
}

export function printUser(io: IO, output: OutputFormat, user: AccessUser): void {
  printData(io, output, user, () =>
    keyValueView([
      ['id', user.user_id],
      ['email', user.email],
      ['name', user.display_name ?? ''],
      ['roles', user.roles.join(', ')],
      ['active', yesNo(user.is_active)],
      ['auth0 id', user.auth0_id],
      ['last login', user.last_login_at ?? 'never'],
      ['created', user.created_at],
    ]),
  );
}
