import { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { printStructured, type OutputFormat } from '../output.js';
import { confirmDestructive, requireYesOffTerminal } from '../prompt.js';
import { accessOf, type AccessDeps } from './common.js';

export interface AccessRevokeOptions {
  role: string;
  pattern: string;
  yes: boolean;
  output: OutputFormat;
}

export function newAccessRevokeCommand(ctx: CommandContext): Command {
  return new Command('revoke')
    .description("Remove a role's grant on a path or pattern, exactly as granted (asks on a TTY; --yes otherwise)")
    .argument('<role>', 'role name')
    .argument('<pattern>', 'the path or pattern as granted (noetl access ls)')
    .option('-y, --yes', 'do not ask')
    .addHelpText('after', "\nExamples:\n  $ noetl access revoke developer 'api_integration/*'\n  $ noetl access revoke analyst 'data/*' --yes -o json   # {\"role\", \"pattern\", \"removed\"}")
    .action(async (role: string, pattern: string, opts: { yes?: boolean }) => {
      const yes = Boolean(opts.yes);
      requireYesOffTerminal(ctx.io, yes, `revoking ${role}'s grant on '${pattern}'`);
      await runAccessRevoke({ role, pattern, yes, output: ctx.globals().output }, { io: ctx.io, client: await ctx.client(), info: (m) => ctx.info(m) });
    });
}

export async function runAccessRevoke(opts: AccessRevokeOptions, deps: AccessDeps): Promise<void> {
  const access = accessOf(deps.client);
  const action = `revoking ${opts.role}'s grant on '${opts.pattern}'`;
  requireYesOffTerminal(deps.io, opts.yes, action);
  if (!opts.yes) {
    // Not found (exit 3) before anything is asked.
    const rows = (await access.permissions({ role: opts.role })).filter((p) => p.playbook_path === opts.pattern);
    if (rows.length === 0) await access.revoke(opts.role, opts.pattern);
    await confirmDestructive(deps.io, {
      yes: false,
      question: `Revoke ${opts.role}'s grant on '${opts.pattern}'? Its users lose what it allowed.`,
      action,
      declined: `${opts.role}'s grant on '${opts.pattern}' kept`,
      ask: deps.confirm,
    });
  }
  const result = await access.revoke(opts.role, opts.pattern);
  printStructured(deps.io, opts.output, result);
  deps.info(`revoked ${opts.role}'s grant on '${opts.pattern}'`);
}
