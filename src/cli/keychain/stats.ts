import { Command } from 'commander';
import type { NoetlClient } from '../../api/index.js';
import type { CommandContext } from '../context.js';
import type { IO } from '../io.js';
import { keyValueView, printData, type OutputFormat } from '../output.js';

export interface StatsOptions {
  output: OutputFormat;
}

export interface StatsDeps {
  io: IO;
  client: NoetlClient;
}

/** `keychain stats`: a report verb with no flags of its own. */
export function newStatsCommand(ctx: CommandContext): Command {
  return new Command('stats')
    .description('Count keychain entries: by scope, expired, auto-renew, accesses')
    .addHelpText('after', '\nExamples:\n  $ noetl keychain stats\n  $ noetl keychain stats -o json | jq .expired')
    .action(async () => {
      await runStats({ output: ctx.globals().output }, { io: ctx.io, client: await ctx.client() });
    });
}

export async function runStats(opts: StatsOptions, deps: StatsDeps): Promise<void> {
  const stats = await deps.client.keychain.stats();
  printData(deps.io, opts.output, stats, () =>
    keyValueView([
      ['entries', String(stats.total)],
      ['expired', String(stats.expired)],
      ['auto-renew', String(stats.auto_renew)],
      ['auto-renew due within 1h', String(stats.renew_due_within_1h)],
      ['global', String(stats.by_scope.global)],
      ['catalog', String(stats.by_scope.catalog)],
      ['local', String(stats.by_scope.local)],
      ['shared', String(stats.by_scope.shared)],
      ['accesses', String(stats.total_accesses)],
      ['playbooks', String(stats.catalogs)],
      ['next expiry', stats.next_expiry ?? '-'],
    ]),
  );
}
