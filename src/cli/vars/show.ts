import { Command } from 'commander';
import { relativeTime } from '../../core/duration.js';
import type { NoetlClient, VariableType } from '../../api/index.js';
import type { CommandContext } from '../context.js';
import type { IO } from '../io.js';
import { printData, type OutputFormat } from '../output.js';
import { preview } from './common.js';
import { id64Arg } from '../args.js';

export interface ShowOptions {
  executionId: string;
  type?: string;
  reveal: boolean;
  output: OutputFormat;
}

export interface ShowDeps {
  io: IO;
  client: NoetlClient;
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
      const client = await ctx.client();
      await runShow({ executionId, type: opts.type, reveal: Boolean(opts.reveal), output: ctx.globals().output }, { io: ctx.io, client, now: ctx.now() });
    });
}

export async function runShow(opts: ShowOptions, deps: ShowDeps): Promise<void> {
  const executionId = id64Arg(opts.executionId);
  // The client checks the type; a listing that matches nothing is an empty list, exit 0 (CONTRIBUTING.md, "Conventions").
  const variables = await deps.client.vars.list(executionId, { type: opts.type as VariableType | undefined, reveal: opts.reveal });
  printData(deps.io, opts.output, variables, () => ({
    head: ['NAME', 'TYPE', 'SOURCE STEP', 'UPDATED', 'VALUE'],
    rows: variables.map((v) => [v.name, v.type, v.source_step ?? '-', relativeTime(new Date(v.updated_at), deps.now, ''), preview(v.value)]),
  }));
}
