import { Command, Option } from 'commander';
import { looksLikeSecretValue } from '../../core/secret-shapes.js';
import { isIndirectValue, isPasswordKey, isSecretMaterialKey, looksLikeApiKey, looksLikeTokenValue } from '../../lint/knowledge.js';
import type { NoetlClient } from '../../api/index.js';
import type { CommandContext } from '../context.js';
import { hasReason, invalidError } from '../../core/errors.js';
import { readInputSpec, type IO } from '../io.js';
import { printStructured, type OutputFormat } from '../output.js';
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
  client: NoetlClient;
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
      const client = await ctx.client();
      await runSet(
        { executionId, name, value: opts.value, raw: Boolean(opts.raw), type: opts.type, sourceStep: opts.sourceStep, output: ctx.globals().output },
        { io: ctx.io, client, info: (m) => ctx.info(m) },
      );
    });
}

export async function runSet(opts: SetOptions, deps: SetDeps): Promise<void> {
  const executionId = id64Arg(opts.executionId);
  const type = opts.type ?? 'user_defined';
  if (!(SETTABLE_TYPES as readonly string[]).includes(type)) {
    throw invalidError(`--type must be one of ${SETTABLE_TYPES.join(', ')} (bearer tokens and step results are written by the worker)`);
  }
  const text = await readInputSpec(opts.value, '--value', deps.io);
  const fromInput = text !== undefined;
  const value = await parseValue(text ?? opts.value, fromInput, opts.raw);
  if (!fromInput && holdsSecret(opts.name, value)) {
    throw invalidError('--value looks like it holds a secret (a password or token field, or a token\'s shape): pass it with --value @FILE or --value - (stdin), so it stays out of the shell history and `ps`');
  }
  const v = await deps.client.vars.set({ execution_id: executionId, name: opts.name, value, type: type as (typeof SETTABLE_TYPES)[number], source_step: opts.sourceStep });
  printStructured(deps.io, opts.output, v);
  deps.info(`set ${v.type} variable '${v.name}' for execution ${v.execution_id}`);
}

/** The value of --value: JSON (64-bit integers kept exact), or with --raw any text that is not JSON, as a string. */
async function parseValue(text: string, fromInput: boolean, raw: boolean): Promise<unknown> {
  const { parseJsonExact } = await import('../../core/json.js');
  try {
    return parseJsonExact(text, '--value');
  } catch (err) {
    // Too deep is refused even with --raw: it is JSON, just not storable.
    if (!hasReason(err, 'syntax')) throw err;
    if (!raw) throw invalidError('--value is not valid JSON: quote a string as JSON (\'"text"\') or pass --raw to store it as a string');
    // A file or a pipe ends with a newline that is not part of the value.
    return fromInput ? text.replace(/\r?\n$/, '') : text;
  }
}

/**
 * Whether a value given on the command line holds what looks like a secret, by the rules
 * lint's literal-secret uses: any value under a password-like key (the variable's own name
 * counts), a token-shaped value under a token-like key, or a string shaped like a JWT, a PEM
 * key or a well-known API key anywhere. Templates and references are not secrets.
 */
function holdsSecret(name: string, value: unknown): boolean {
  const stack: { key: string; value: unknown }[] = [{ key: name, value }];
  while (stack.length > 0) {
    const { key, value: v } = stack.pop()!;
    if (typeof v === 'string') {
      if (isIndirectValue(v)) continue;
      if (isPasswordKey(key) || (isSecretMaterialKey(key) && looksLikeTokenValue(v)) || looksLikeSecretValue(v) || looksLikeApiKey(v)) return true;
    } else if (typeof v === 'number') {
      // A numeric PIN or password is still one.
      if (isPasswordKey(key)) return true;
    } else if (Array.isArray(v)) {
      for (const item of v) stack.push({ key, value: item });
    } else if (v !== null && typeof v === 'object') {
      for (const [k, item] of Object.entries(v)) stack.push({ key: k, value: item });
    }
  }
  return false;
}
