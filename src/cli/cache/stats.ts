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
    .description('Cache report: accesses by credential, expired entries awaiting cleanup, active execution-scoped entries')
    .addHelpText('after', '\nExamples:\n  $ noetl cache stats\n  $ noetl cache stats -o json | jq .expired_entries')
    .action(async () => {
      const store = await ctx.openStore();
      await runStats({ output: ctx.globals().output }, { io: ctx.io, store });
    });
}

export async function runStats(opts: StatsOptions, deps: StatsDeps): Promise<void> {
  const { cacheStats } = await import('../../store/cache.js');
  const stats = await cacheStats(deps.store);
  const report = {
    by_credential: stats.byCredential.map((c) => ({
      credential_name: c.credentialName,
      cache_type: c.cacheType,
      scope_type: c.scope,
      entries: c.entries,
      total_accesses: c.totalAccesses,
      avg_accesses: c.avgAccesses,
    })),
    expired_entries: stats.expiredEntries,
    executions: stats.executions.map((e) => ({ execution_id: e.executionId, parent_execution_id: e.parentExecutionId, cached_credentials: e.cachedCredentials })),
  };
  if (opts.output !== 'table') {
    printData(deps.io, opts.output, report, () => ({ head: [], rows: [] }));
    return;
  }
  const { io } = deps;
  const table = (head: string[], rows: string[][]) => renderTable({ head, rows }, io.stdoutIsTTY, io.color);
  io.stdout.write(
    [
      table(
        ['CREDENTIAL', 'TYPE', 'SCOPE', 'ENTRIES', 'ACCESSES', 'AVG'],
        report.by_credential.map((c) => [c.credential_name, c.cache_type, c.scope_type, String(c.entries), String(c.total_accesses), String(c.avg_accesses)]),
      ),
      `expired entries awaiting cleanup: ${report.expired_entries}`,
      table(
        ['EXECUTION', 'PARENT', 'CACHED CREDENTIALS'],
        report.executions.map((e) => [e.execution_id ?? '-', e.parent_execution_id ?? '-', String(e.cached_credentials)]),
      ),
    ].join('\n\n') + '\n',
  );
}
