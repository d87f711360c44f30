import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { printSections } from '../output.js';
import { newClientReportCommand, type ClientReportDeps, type ReportOptions } from '../report.js';

/** `cache stats`: a report verb with no flags of its own. */
export const newStatsCommand = (ctx: CommandContext): Command =>
  newClientReportCommand(
    ctx,
    {
      name: 'stats',
      description: 'Cache report: accesses by credential, expired entries awaiting cleanup, active execution-scoped entries',
      examples: ['noetl cache stats', 'noetl cache stats -o json | jq .expired_entries'],
    },
    runStats,
  );

export async function runStats(opts: ReportOptions, deps: ClientReportDeps): Promise<void> {
  const report = await deps.client.cache.stats();
  printSections(deps.io, opts.output, report, () => [
    {
      head: ['CREDENTIAL', 'TYPE', 'SCOPE', 'ENTRIES', 'ACCESSES', 'AVG'],
      rows: report.by_credential.map((c) => [c.credential_name, c.cache_type, c.scope_type, String(c.entries), String(c.total_accesses), String(c.avg_accesses)]),
    },
    `expired entries awaiting cleanup: ${report.expired_entries}`,
    {
      head: ['EXECUTION', 'PARENT', 'CACHED CREDENTIALS'],
      rows: report.executions.map((e) => [e.execution_id ?? '-', e.parent_execution_id ?? '-', String(e.cached_credentials)]),
    },
  ]);
}
