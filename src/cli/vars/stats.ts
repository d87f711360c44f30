import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { printSections, type TableView } from '../output.js';
import { newClientReportCommand, type ClientReportDeps, type ReportOptions } from '../report.js';

/** `vars stats`: a report verb with no flags of its own. */
export const newStatsCommand = (ctx: CommandContext): Command =>
  newClientReportCommand(
    ctx,
    {
      name: 'stats',
      description: "Variable usage: counts by type, executions, and the latest bearer tokens (the seeds' monitoring queries)",
      examples: ['noetl vars stats', 'noetl vars stats -o json | jq .by_type'],
    },
    runStats,
  );

export async function runStats(opts: ReportOptions, deps: ClientReportDeps): Promise<void> {
  const report = await deps.client.vars.stats();
  printSections(deps.io, opts.output, report, () => {
    const sections: TableView[] = [
      {
        head: ['TYPE', 'VARIABLES', 'EXECUTIONS'],
        rows: [...report.by_type.map((t) => [t.type, String(t.count), String(t.executions)]), ['total', String(report.total_variables), String(report.total_executions)]],
      },
    ];
    if (report.recent_bearer_tokens.length > 0) {
      sections.push({
        head: ['EXECUTION', 'BEARER TOKEN', 'SOURCE STEP', 'CREATED'],
        rows: report.recent_bearer_tokens.map((b) => [b.execution_id, b.name, b.source_step ?? '-', b.created_at]),
      });
    }
    return sections;
  });
}
