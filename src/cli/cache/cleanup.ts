import { Command } from 'commander';
import type { Store } from '../../store/store.js';
import type { CommandContext } from '../context.js';
import type { IO } from '../io.js';
import { printStructured, type OutputFormat } from '../output.js';
import { id64Arg } from '../args.js';

export interface CleanupOptions {
  execution: string;
  output: OutputFormat;
}

export interface CleanupDeps {
  io: IO;
  store: Store;
  info(message: string): void;
}

export function newCleanupCommand(ctx: CommandContext): Command {
  return new Command('cleanup')
    .description("Remove an execution's cache entries and those of its child executions (as when the playbook completes)")
    .requiredOption('--execution <id>', 'the execution (a parent removes its children too)')
    .addHelpText('after', '\nExamples:\n  $ noetl cache cleanup --execution 507431238966182300\n  $ noetl cache cleanup --execution 507431238966182300 -o json')
    .action(async (opts: { execution: string }) => {
      const store = await ctx.openStore();
      await runCleanup({ execution: opts.execution, output: ctx.globals().output }, { io: ctx.io, store, info: (m) => ctx.info(m) });
    });
}

export async function runCleanup(opts: CleanupOptions, deps: CleanupDeps): Promise<void> {
  const executionId = id64Arg(opts.execution);
  const { cleanupExecutionCache } = await import('../../store/cache.js');
  const removed = await cleanupExecutionCache(deps.store, executionId);
  printStructured(deps.io, opts.output, { execution_id: executionId, removed });
  deps.info(`removed ${removed} cache ${removed === 1 ? 'entry' : 'entries'} of execution ${executionId} and its children`);
}
