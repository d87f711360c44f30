import { Command } from 'commander';
import type { Store } from '../../store/store.js';
import type { CommandContext } from '../context.js';
import { CliError, ExitCode, notFoundError } from '../../core/errors.js';
import type { IO } from '../io.js';
import { printStructured, type OutputFormat } from '../output.js';
import { confirmDestructive } from '../prompt.js';
import { id64Arg } from '../args.js';

export interface RmOptions {
  executionId: string;
  name?: string;
  yes: boolean;
  output: OutputFormat;
}

export interface RmDeps {
  io: IO;
  store: Store;
  info(message: string): void;
}

export function newRmCommand(ctx: CommandContext): Command {
  return new Command('rm')
    .description("Delete a variable, or (without NAME) all of an execution's variables")
    .argument('<execution-id>', 'the 64-bit execution id')
    .argument('[name]', 'the variable to delete; omit to delete every variable of the execution')
    .option('-y, --yes', 'do not ask before deleting all variables of an execution')
    .addHelpText('after', '\nExamples:\n  $ noetl vars rm 507431238966182398 computed_value\n  $ noetl vars rm 507431238966182398 --yes')
    .action(async (executionId: string, name: string | undefined, opts: { yes?: boolean }) => {
      const store = await ctx.openStore();
      await runRm({ executionId, name, yes: Boolean(opts.yes), output: ctx.globals().output }, { io: ctx.io, store, info: (m) => ctx.info(m) });
    });
}

export async function runRm(opts: RmOptions, deps: RmDeps): Promise<void> {
  const executionId = id64Arg(opts.executionId);
  const { cleanupExecution, countVariables, deleteVariable } = await import('../../store/variables.js');
  let removed: number;
  if (opts.name !== undefined) {
    if (!(await deleteVariable(deps.store, executionId, opts.name))) {
      throw notFoundError(`no variable '${opts.name}' in execution ${executionId}; see 'noetl vars show ${executionId}'`);
    }
    removed = 1;
  } else {
    const count = await countVariables(deps.store, executionId);
    if (count === 0) throw notFoundError(`no variables for execution ${executionId}`);
    const confirmed = await confirmDestructive(deps.io, {
      yes: opts.yes,
      question: `delete all ${count} variables of execution ${executionId}?`,
      refusal: `refusing to delete all ${count} variables of execution ${executionId} without --yes`,
    });
    if (!confirmed) throw new CliError('nothing deleted', ExitCode.failure);
    removed = await cleanupExecution(deps.store, executionId);
  }
  if (opts.output !== 'table') {
    printStructured(deps.io, opts.output, { execution_id: executionId, name: opts.name ?? null, removed });
  }
  deps.info(opts.name !== undefined ? `deleted variable '${opts.name}' of execution ${executionId}` : `deleted ${removed} variables of execution ${executionId}`);
}
