import { Command } from 'commander';
import type { NoetlClient } from '../../api/index.js';
import type { CommandContext } from '../context.js';
import type { IO } from '../io.js';
import { printStructured, type OutputFormat } from '../output.js';
import { confirmDestructive, requireYesOffTerminal } from '../prompt.js';
import { id64Arg, withExecutionOption } from '../args.js';

export interface CleanupOptions {
  execution: string;
  yes: boolean;
  output: OutputFormat;
}

export interface CleanupDeps {
  io: IO;
  client: NoetlClient;
  info(message: string): void;
  /** A yes/no question (TTY only; the terminal's by default); tests pass their own. */
  confirm?(question: string): Promise<boolean>;
}

export function newCleanupCommand(ctx: CommandContext): Command {
  const command = new Command('cleanup').description(
    "Remove an execution's cache entries and those of its child executions, as when the playbook completes (asks on a TTY; --yes otherwise)",
  );
  return withExecutionOption(command, 'the execution (a parent removes its children too)', { required: true })
    .option('-y, --yes', 'do not ask (required when not on a TTY)')
    .addHelpText('after', '\nExamples:\n  $ noetl cache cleanup --execution 507431238966182300\n  $ noetl cache cleanup --execution 507431238966182300 --yes -o json')
    .action(async (opts: { execution: string; yes?: boolean }) => {
      const cleanup: CleanupOptions = { execution: opts.execution, yes: Boolean(opts.yes), output: ctx.globals().output };
      checkCleanupFlags(cleanup, ctx.io);
      const client = await ctx.client();
      await runCleanup(cleanup, { io: ctx.io, client, info: (m) => ctx.info(m) });
    });
}

/** The id, and --yes off a terminal: checked before the database is opened. */
function checkCleanupFlags(opts: CleanupOptions, io: IO): { executionId: string; action: string } {
  const executionId = id64Arg(opts.execution, '--execution');
  const action = `deleting the cache entries of execution ${executionId}`;
  requireYesOffTerminal(io, opts.yes, action);
  return { executionId, action };
}

export async function runCleanup(opts: CleanupOptions, deps: CleanupDeps): Promise<void> {
  const { executionId, action } = checkCleanupFlags(opts, deps.io);
  const question = `Delete the cache entries of execution ${executionId} and of its child executions?`;
  await confirmDestructive(deps.io, { yes: opts.yes, question, action, declined: 'no cache entry deleted', ask: deps.confirm });
  const result = await deps.client.cache.cleanup(executionId);
  const { removed } = result;
  printStructured(deps.io, opts.output, result);
  deps.info(`removed ${removed} cache ${removed === 1 ? 'entry' : 'entries'} of execution ${executionId} and its children`);
}
