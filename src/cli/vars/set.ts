import { Command, Option } from 'commander';
import { looksLikeSecretValue } from '../../core/mask.js';
import type { Store } from '../../store/store.js';
import type { CommandContext } from '../context.js';
import { usageError } from '../../core/errors.js';
import { readInputSpec, type IO } from '../io.js';
import { printStructured, type OutputFormat } from '../output.js';
import { displayValue } from './common.js';
import { id64Arg } from '../args.js';

export const SETTABLE_TYPES = ['computed', 'user_defined'] as const;

export interface SetOptions {
  executionId: string;
  name: string;
  /** JSON text, `@file`, or `-` for stdin. */
  value: string;
  /** Store a value that is not JSON as a string. */
  raw: boolean;
  type?: string;
  sourceStep?: string;
  output: OutputFormat;
}

export interface SetDeps {
  io: IO;
  store: Store;
  info(message: string): void;
}

export function newSetCommand(ctx: CommandContext): Command {
  return new Command('set')
    .description('Set a variable of an execution (a JSON value; a string with --raw)')
    .argument('<execution-id>', 'the 64-bit execution id')
    .argument('<name>', 'the variable name')
    .requiredOption('--value <json|@file|->', 'the value as JSON text, @file, or - for stdin (secrets only from @file or -)')
    .option('--raw', 'store a value that is not JSON as a string')
    .addOption(new Option('--type <type>', 'variable type').choices([...SETTABLE_TYPES]).default('user_defined'))
    .option('--source-step <step>', 'the step the value came from')
    .addHelpText(
      'after',
      `\nExamples:\n  $ noetl vars set 507431238966182398 computed_value --value '{"total": 1500, "count": 30}' --type computed\n  $ noetl vars set 507431238966182398 region --value eu-west-1 --raw\n  $ jq .result out.json | noetl vars set 507431238966182398 fetch_data --value -`,
    )
    .action(async (executionId: string, name: string, opts: { value: string; raw?: boolean; type?: string; sourceStep?: string }) => {
      const store = await ctx.openStore();
      await runSet(
        { executionId, name, value: opts.value, raw: Boolean(opts.raw), type: opts.type, sourceStep: opts.sourceStep, output: ctx.globals().output },
        { io: ctx.io, store, info: (m) => ctx.info(m) },
      );
    });
}

export async function runSet(opts: SetOptions, deps: SetDeps): Promise<void> {
  const executionId = id64Arg(opts.executionId);
  const type = opts.type ?? 'user_defined';
  if (!(SETTABLE_TYPES as readonly string[]).includes(type)) {
    throw usageError(`--type must be one of ${SETTABLE_TYPES.join(', ')} (bearer tokens and step results are written by the worker)`);
  }
  if (opts.name.trim() === '') throw usageError('a variable name must not be empty');
  const input = await readValue(opts.value, deps.io);
  const { parseJsonExact, setVariable } = await import('../../store/variables.js');
  const value = parseValue(input, opts.raw, parseJsonExact);
  if (!input.fromInput && typeof value === 'string' && looksLikeSecretValue(value)) throw secretLiteral();
  const v = await setVariable(deps.store, { executionId, name: opts.name, value, type: type as (typeof SETTABLE_TYPES)[number], sourceStep: opts.sourceStep });
  if (opts.output !== 'table') {
    printStructured(deps.io, opts.output, { execution_id: v.executionId, name: v.name, type: v.type, source_step: v.sourceStep, value: displayValue(v, false) });
  }
  deps.info(`set ${v.type} variable '${v.name}' for execution ${v.executionId}`);
}

/** The text of --value: a literal, `@file`, or `-` (stdin). A literal that looks like a secret is refused. */
async function readValue(spec: string, io: IO): Promise<{ text: string; fromInput: boolean }> {
  const text = await readInputSpec(spec, '--value', io);
  if (text !== undefined) return { text, fromInput: true };
  if (looksLikeSecretValue(spec)) throw secretLiteral();
  return { text: spec, fromInput: false };
}

function secretLiteral() {
  return usageError('--value looks like a secret: pass it with @file or - (stdin) so it stays out of the shell history');
}

function parseValue(input: { text: string; fromInput: boolean }, raw: boolean, parseJson: (text: string) => unknown): unknown {
  try {
    // 64-bit integers stay exact (as decimal strings) rather than being rounded.
    return parseJson(input.text);
  } catch {
    if (!raw) throw usageError('--value is not valid JSON: quote a string as JSON (\'"text"\') or pass --raw to store it as a string');
    // A file or a pipe ends with a newline that is not part of the value.
    return input.fromInput ? input.text.replace(/\r?\n$/, '') : input.text;
  }
}
