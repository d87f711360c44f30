import { Command } from 'commander';
import { relativeTime } from '../../core/duration.js';
import type { CommandContext } from '../context.js';
import { printData, type OutputFormat } from '../output.js';
import type { TokenDeps } from './create.js';

export function newTokenLsCommand(ctx: CommandContext): Command {
  return new Command('ls')
    .alias('list')
    .description('List service tokens (never the tokens themselves)')
    .addHelpText('after', '\nExamples:\n  $ noetl token ls\n  $ noetl token ls -o json')
    .action(async () => {
      await runTokenLs({ output: ctx.globals().output }, { io: ctx.io, client: await ctx.client(), info: (m) => ctx.info(m), now: () => ctx.now() });
    });
}

export async function runTokenLs(opts: { output: OutputFormat }, deps: TokenDeps & { now(): Date }): Promise<void> {
  const tokens = await deps.client.tokens.list();
  const now = deps.now();
  printData(deps.io, opts.output, tokens, () => ({
    head: ['NAME', 'ROLE', 'EXPIRES', 'LAST USED', 'CREATED'],
    rows: tokens.map((t) => [
      t.name,
      t.role,
      t.expires_at ? relativeTime(new Date(t.expires_at), now) : 'never',
      t.last_used_at ? relativeTime(new Date(t.last_used_at), now, '') : 'never',
      t.created_at,
    ]),
  }));
}
