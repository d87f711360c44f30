import { Command } from 'commander';
import type { NoetlClient } from '../../api/index.js';
import type { CommandContext } from '../context.js';
import { notFoundError } from '../../core/errors.js';
import type { IO } from '../io.js';
import { printStructured, type OutputFormat } from '../output.js';
import { confirmDestructive, requireYesOffTerminal } from '../prompt.js';
import { id64Arg } from '../args.js';

export interface RmOptions {
  executionId: string;
  name?: string;
  yes: boolean;
  output: OutputFormat;
}

export interface RmDeps {
  io: IO;
  client: NoetlClient;
  info(message: string): void;
  /** A yes/no question (TTY only; the terminal's by default); tests pass their own. */
  confirm?(question: string): Promise<boolean>;
}

export function newRmCommand(ctx: CommandContext): Command {
  return new Command('rm')
    .description("Delete a variable, or (without NAME) all of an execution's variables (asks on a TTY; --yes otherwise)")
    .argument('<execution-id>', 'the 64-bit execution id')
    .argument('[name]', 'the variable to delete; omit to delete every variable of the execution')
    .option('-y, --yes', 'do not ask (required when not on a TTY)')
    .addHelpText('after', '\nExamples:\n  $ noetl vars rm 507431238966182398 computed_value\n  $ noetl vars rm 507431238966182398 --yes -o json')
    .action(async (executionId: string, name: string | undefined, opts: { yes?: boolean }) => {
      const rm: RmOptions = { executionId, name, yes: Boolean(opts.yes), output: ctx.globals().output };
      checkRmFlags(rm, ctx.io);
      const client = await ctx.client();
      await runRm(rm, { io: ctx.io, client, info: (m) => ctx.info(m) });
    });
}

/** The id, and --yes off a terminal: checked before the database is opened. */
function checkRmFlags(opts: RmOptions, io: IO): { executionId: string; action: string } {
  const executionId = id64Arg(opts.executionId);
  const action = opts.name !== undefined ? `deleting variable '${opts.name}' of execution ${executionId}` : `deleting every variable of execution ${executionId}`;
  requireYesOffTerminal(io, opts.yes, action);
  return { executionId, action };
}

export async function runRm(opts: RmOptions, deps: RmDeps): Promise<void> {
  const { executionId, action } = checkRmFlags(opts, deps.io);
  const vars = deps.client.vars;
  // Not found is exit 3 before anything is asked.
  let question: string;
  if (opts.name !== undefined) {
    await vars.get(executionId, opts.name);
    question = `Delete variable '${opts.name}' of execution ${executionId}?`;
  } else {
    const count = (await vars.list(executionId)).length;
    if (count === 0) throw notFoundError(`no variables for execution ${executionId}`);
    question = `Delete all ${count} variables of execution ${executionId}?`;
  }
  await confirmDestructive(deps.io, { yes: opts.yes, question, action, declined: 'no variable deleted', ask: deps.confirm });
  const result = opts.name !== undefined ? await vars.remove(executionId, opts.name) : await vars.removeAll(executionId);
  printStructured(deps.io, opts.output, result);
  deps.info(opts.name !== undefined ? `deleted variable '${opts.name}' of execution ${executionId}` : `deleted ${result.removed} variables of execution ${executionId}`);
}
