import { Command } from 'commander';
import type { Store } from '../../store/store.js';
import type { CommandContext } from '../context.js';
import type { IO } from '../io.js';
import { printData, renderTable, type OutputFormat } from '../output.js';

export interface StatsOptions {
  output: OutputFormat;
}

export interface StatsDeps {
  io: IO;
  store: Store;
}

export function newStatsCommand(ctx: CommandContext): Command {
  return new Command('stats')
    .description("Variable usage: counts by type, executions, and the latest bearer tokens (the seeds' monitoring queries)")
    .addHelpText('after', '\nExamples:\n  $ noetl vars stats\n  $ noetl vars stats -o json | jq .by_type')
    .action(async () => {
      const store = await ctx.openStore();
      await runStats({ output: ctx.globals().output }, { io: ctx.io, store });
    });
}

export async function runStats(opts: StatsOptions, deps: StatsDeps): Promise<void> {
  const { variableStats } = await import('../../store/variables.js');
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
  if (opts.output !== 'table') {
    printData(deps.io, opts.output, report, () => ({ head: [], rows: [] }));
    return;
  }
  const { io } = deps;
  const byType = renderTable(
    {
      head: ['TYPE', 'VARIABLES', 'EXECUTIONS'],
      rows: [...stats.byType.map((t) => [t.type, String(t.count), String(t.executions)]), ['total', String(stats.totalVariables), String(stats.totalExecutions)]],
    },
    io.stdoutIsTTY,
    io.color,
  );
  io.stdout.write(`${byType}\n`);
  if (report.recent_bearer_tokens.length === 0) return;
  const bearer = renderTable(
    {
      head: ['EXECUTION', 'BEARER TOKEN', 'SOURCE STEP', 'CREATED'],
      rows: report.recent_bearer_tokens.map((b) => [b.execution_id, b.name, b.source_step ?? '-', b.created_at]),
    },
    io.stdoutIsTTY,
    io.color,
  );
  io.stdout.write(`\n${bearer}\n`);
}
