import { Command, Option } from 'commander';
import { relativeTime } from '../../core/duration.js';
import type { CacheScope, NoetlClient } from '../../api/index.js';
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
  client: NoetlClient;
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
      const client = await ctx.client();
      await runLs({ scope: opts.scope, execution: opts.execution, expired: Boolean(opts.expired), output: ctx.globals().output }, { io: ctx.io, client, now: ctx.now() });
    });
}

export async function runLs(opts: LsOptions, deps: LsDeps): Promise<void> {
  const executionId = opts.execution === undefined ? undefined : id64Arg(opts.execution, '--execution');
  const entries = await deps.client.cache.list({ scope: opts.scope, execution_id: executionId, expired: opts.expired });
  printData(deps.io, opts.output, entries, () => ({
    head: ['KEY', 'CREDENTIAL', 'TYPE', 'SCOPE', 'EXECUTION', 'PARENT', 'EXPIRES', 'ACCESSES'],
    rows: entries.map((e) => [
      e.cache_key,
      e.credential_name,
      e.cache_type,
      e.scope_type,
      e.execution_id ?? '-',
      e.parent_execution_id ?? '-',
      relativeTime(new Date(e.expires_at), deps.now),
      String(e.access_count),
    ]),
  }));
}
