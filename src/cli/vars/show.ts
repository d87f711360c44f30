import { Command } from 'commander';
import { relativeTime } from '../../core/duration.js';
import type { Store } from '../../backends/sql/store.js';
import type { VariableType } from '../../backends/sql/variables.js';
import type { CommandContext } from '../context.js';
import { invalidError } from '../../core/errors.js';
import type { IO } from '../io.js';
import { printData, type OutputFormat } from '../output.js';
import { preview, variableRecord } from './common.js';
import { id64Arg } from '../args.js';

export interface ShowOptions {
  executionId: string;
  type?: string;
  reveal: boolean;
  output: OutputFormat;
}

export interface ShowDeps {
  io: IO;
  store: Store;
  now: Date;
}

export function newShowCommand(ctx: CommandContext): Command {
  return new Command('show')
    .description("List an execution's variables: name, type, source step, updated, a value preview (secrets masked)")
    .argument('<execution-id>', 'the 64-bit execution id')
    .option('--type <type>', 'only variables of this type: step_result, bearer_token, computed, user_defined')
    .option('--reveal', 'show bearer tokens and secret-looking values unmasked')
    .addHelpText(
      'after',
      '\nExamples:\n  $ noetl vars show 507431238966182398\n  $ noetl vars show 507431238966182398 --type bearer_token\n  $ noetl vars show 507431238966182398 -o json --reveal | jq .',
    )
    .action(async (executionId: string, opts: { type?: string; reveal?: boolean }) => {
      const store = await ctx.openStore();
      await runShow({ executionId, type: opts.type, reveal: Boolean(opts.reveal), output: ctx.globals().output }, { io: ctx.io, store, now: ctx.now() });
    });
}

export async function runShow(opts: ShowOptions, deps: ShowDeps): Promise<void> {
  const executionId = id64Arg(opts.executionId);
  const { listVariables, isVariableType, VARIABLE_TYPES } = await import('../../backends/sql/variables.js');
  let type: VariableType | undefined;
  if (opts.type !== undefined) {
    if (!isVariableType(opts.type)) throw invalidError(`unknown variable type '${opts.type}': expected one of ${VARIABLE_TYPES.join(', ')}`);
    type = opts.type;
  }
  // A listing that matches nothing is an empty list, exit 0 (CONTRIBUTING.md, "Conventions").
  const variables = await listVariables(deps.store, executionId, { type });
  const rows = variables.map((v) => variableRecord(v, opts.reveal));
  printData(deps.io, opts.output, rows, () => ({
    head: ['NAME', 'TYPE', 'SOURCE STEP', 'UPDATED', 'VALUE'],
    rows: variables.map((v, i) => [v.name, v.type, v.sourceStep ?? '-', relativeTime(v.updatedAt, deps.now, ''), preview(rows[i].value)]),
  }));
}
