import { Command, Option } from 'commander';
import { relativeTime } from '../../core/duration.js';
import type { CacheScope } from '../../backends/sql/cache.js';
import type { Store } from '../../backends/sql/store.js';
import type { CommandContext } from '../context.js';
import type { IO } from '../io.js';
import { printData, type OutputFormat } from '../output.js';
import { id64Arg, withExecutionOption } from '../args.js';

export interface LsOptions {
  scope?: CacheScope;
  /** Entries of this execution and of its children. */
  execution?: string;
  expired: boolean;
  output: OutputFormat;
}

export interface LsDeps {
  io: IO;
  store: Store;
  now: Date;
}

export function newLsCommand(ctx: CommandContext): Command {
  const command = new Command('ls')
    .description('List credential cache entries (never their data)')
    .addOption(new Option('--scope <scope>', 'only execution- or global-scoped entries').choices(['execution', 'global']));
  return withExecutionOption(command, 'only entries of this execution and of its child executions')
    .option('--expired', 'only entries that have expired')
    .addHelpText('after', '\nExamples:\n  $ noetl cache ls\n  $ noetl cache ls --scope global\n  $ noetl cache ls --execution 507431238966182398 -o json\n  $ noetl cache ls --expired')
    .action(async (opts: { scope?: CacheScope; execution?: string; expired?: boolean }) => {
      const store = await ctx.openStore();
      await runLs({ scope: opts.scope, execution: opts.execution, expired: Boolean(opts.expired), output: ctx.globals().output }, { io: ctx.io, store, now: ctx.now() });
    });
}

export async function runLs(opts: LsOptions, deps: LsDeps): Promise<void> {
  const executionId = opts.execution === undefined ? undefined : id64Arg(opts.execution, '--execution');
  const { listCacheEntries } = await import('../../backends/sql/cache.js');
  const entries = await listCacheEntries(deps.store, { scope: opts.scope, executionId, expired: opts.expired });
  const rows = entries.map((e) => ({
    cache_key: e.cacheKey,
    credential_name: e.credentialName,
    credential_type: e.credentialType,
    cache_type: e.cacheType,
    scope_type: e.scope,
    execution_id: e.executionId,
    parent_execution_id: e.parentExecutionId,
    expires_at: e.expiresAt.toISOString(),
    created_at: e.createdAt.toISOString(),
    accessed_at: e.accessedAt.toISOString(),
    access_count: e.accessCount,
    expired: e.expired,
  }));
  printData(deps.io, opts.output, rows, () => ({
    head: ['KEY', 'CREDENTIAL', 'TYPE', 'SCOPE', 'EXECUTION', 'PARENT', 'EXPIRES', 'ACCESSES'],
    rows: entries.map((e) => [
      e.cacheKey,
      e.credentialName,
      e.cacheType,
      e.scope,
      e.executionId ?? '-',
      e.parentExecutionId ?? '-',
      relativeTime(e.expiresAt, deps.now),
      String(e.accessCount),
    ]),
  }));
}
