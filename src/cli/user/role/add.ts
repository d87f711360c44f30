import { Command, InvalidArgumentError, Option } from 'commander';
import { checkDuration, durationProblem } from '../../../core/duration.js';
import { accessOf, type AccessDeps } from '../../access/common.js';
import type { CommandContext } from '../../context.js';
import { printStructured, type OutputFormat } from '../../output.js';

export interface UserRoleAddOptions {
  user: string;
  role: string;
  /** Seconds from now until the role lapses; undefined: never. */
  ttlSeconds?: number;
  output: OutputFormat;
}

export function newUserRoleAddCommand(ctx: CommandContext): Command {
  return new Command('add')
    .description('Give a user a role (again: renews it)')
    .argument('<user>', 'an email, or a numeric user id')
    .argument('<role>', 'role name (noetl role ls)')
    .addOption(new Option('--ttl <duration>', 'the role lapses after this long (30d, 12h); default never').argParser(parseTtl))
    .addHelpText('after', '\nExamples:\n  $ noetl user role add ada@example.com developer\n  $ noetl user role add contractor@example.com analyst --ttl 30d')
    .action(async (user: string, role: string, opts: { ttl?: number }) => {
      await runUserRoleAdd(
        { user, role, ttlSeconds: opts.ttl, output: ctx.globals().output },
        { io: ctx.io, client: await ctx.client(), info: (m) => ctx.info(m), now: () => ctx.now() },
      );
    });
}

function parseTtl(value: string): number {
  const checked = checkDuration(value);
  if ('problem' in checked) throw new InvalidArgumentError(durationProblem(checked.problem));
  return checked.seconds;
}

export async function runUserRoleAdd(opts: UserRoleAddOptions, deps: AccessDeps & { now(): Date }): Promise<void> {
  const expiresAt = opts.ttlSeconds === undefined ? null : new Date(deps.now().getTime() + opts.ttlSeconds * 1000).toISOString();
  const granted = await accessOf(deps.client).addUserRole(opts.user, opts.role, { expires_at: expiresAt });
  printStructured(deps.io, opts.output, granted);
  deps.info(`gave ${granted.email} role ${granted.role}${granted.expires_at ? ` until ${granted.expires_at}` : ''}`);
}
