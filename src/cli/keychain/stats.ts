import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { keyValueView, printData } from '../output.js';
import { newReportCommand, type ReportDeps, type ReportOptions } from '../report.js';

/** `keychain stats`: a report verb with no flags of its own. */
export const newStatsCommand = (ctx: CommandContext): Command =>
  newReportCommand(
    ctx,
    {
      name: 'stats',
      description: 'Count keychain entries: by scope, expired, auto-renew, accesses',
      examples: ['noetl keychain stats', 'noetl keychain stats -o json | jq .expired'],
    },
    runStats,
  );

export async function runStats(opts: ReportOptions, deps: ReportDeps): Promise<void> {
  const { keychainStats } = await import('../../backends/sql/keychain.js');
  const stats = await keychainStats(deps.store);
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
