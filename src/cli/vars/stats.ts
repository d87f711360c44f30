import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { printSections, type TableView } from '../output.js';
import { newReportCommand, type ReportDeps, type ReportOptions } from '../report.js';

/** `vars stats`: a report verb with no flags of its own. */
export const newStatsCommand = (ctx: CommandContext): Command =>
  newReportCommand(
    ctx,
    {
      name: 'stats',
      description: "Variable usage: counts by type, executions, and the latest bearer tokens (the seeds' monitoring queries)",
      examples: ['noetl vars stats', 'noetl vars stats -o json | jq .by_type'],
    },
    runStats,
  );

export async function runStats(opts: ReportOptions, deps: ReportDeps): Promise<void> {
  const { variableStats } = await import('../../backends/sql/variables.js');
  const stats = await variableStats(deps.store);
  const report = {
    total_variables: stats.totalVariables,
    total_executions: stats.totalExecutions,
    by_type: stats.byType,
    recent_bearer_tokens: stats.recentBearerTokens.map((b) => ({
      execution_id: b.executionId,
      name: b.name,
      source_step: b.sourceStep,
      created_at: b.createdAt.toISOString(),
    })),
  };
  printSections(deps.io, opts.output, report, () => {
    const sections: TableView[] = [
      {
        head: ['TYPE', 'VARIABLES', 'EXECUTIONS'],
        rows: [...stats.byType.map((t) => [t.type, String(t.count), String(t.executions)]), ['total', String(stats.totalVariables), String(stats.totalExecutions)]],
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
