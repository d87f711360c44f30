import { Command } from 'commander';
import { NoetlError } from '../../core/errors.js';
import type { CommandContext } from '../context.js';
import { printStructured, type OutputFormat } from '../output.js';
import { confirmDestructive, requireYesOffTerminal } from '../prompt.js';
import type { TokenDeps } from './create.js';

export interface TokenRmOptions {
  name: string;
  yes: boolean;
  output: OutputFormat;
}

export function newTokenRmCommand(ctx: CommandContext): Command {
  return new Command('rm')
    .alias('remove')
    .description('Remove a service token: it stops working at once (asks on a TTY; --yes otherwise)')
    .argument('<name>', 'token name')
    .option('-y, --yes', 'do not ask')
    .addHelpText('after', '\nExamples:\n  $ noetl token rm ci-reader\n  $ noetl token rm ci-reader --yes -o json   # prints {"name", "deleted": true}')
    .action(async (name: string, opts: { yes?: boolean }) => {
      const yes = Boolean(opts.yes);
      requireYesOffTerminal(ctx.io, yes, `removing token '${name}'`);
      await runTokenRm({ name, yes, output: ctx.globals().output }, { io: ctx.io, client: await ctx.client(), info: (m) => ctx.info(m) });
    });
}

export async function runTokenRm(opts: TokenRmOptions, deps: TokenDeps & { confirm?(question: string): Promise<boolean> }): Promise<void> {
  const action = `removing token '${opts.name}'`;
  requireYesOffTerminal(deps.io, opts.yes, action);
  if (!opts.yes) {
    // Not found is reported before anything is asked.
    if (!(await deps.client.tokens.list()).some((t) => t.name === opts.name)) {
      throw new NoetlError('not_found', `token '${opts.name}' not found`, { hint: { command: 'token ls', text: 'to see the tokens' } });
    }
    await confirmDestructive(deps.io, {
      yes: false,
      question: `Remove token '${opts.name}'? Whatever uses it loses access.`,
      action,
      declined: `token '${opts.name}' not removed`,
      ask: deps.confirm,
    });
  }
  const removed = await deps.client.tokens.remove(opts.name);
  printStructured(deps.io, opts.output, removed);
  deps.info(`removed token '${opts.name}'`);
}
