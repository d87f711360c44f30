import { Command } from 'commander';
import type { NoetlClient } from '../../api/index.js';
import type { CommandContext } from '../context.js';
import { notFoundError } from '../../core/errors.js';
import type { IO } from '../io.js';
import { keyValueView, printData, printStructured, type OutputFormat } from '../output.js';
import { id64Arg } from '../args.js';

export interface GetOptions {
  executionId: string;
  name: string;
  /** A dotted path into the value: `data.items.0.id`. */
  field?: string;
  reveal: boolean;
  output: OutputFormat;
}

export interface GetDeps {
  io: IO;
  client: NoetlClient;
}

export function newGetCommand(ctx: CommandContext): Command {
  return new Command('get')
    .description('Show one variable, or one field of its value')
    .argument('<execution-id>', 'the 64-bit execution id')
    .argument('<name>', 'the variable name')
    .option('--field <path>', "one field of the value, as a dotted path (a.b.0.c); '.' for the whole value")
    .option('--reveal', 'show secrets; with --field, print the raw value with no trailing newline')
    .addHelpText(
      'after',
      '\nExamples:\n  $ noetl vars get 507431238966182398 fetch_data\n  $ noetl vars get 507431238966182398 fetch_data --field data.status\n  $ TOKEN=$(noetl vars get 507431238966182398 amadeus_token --field . --reveal)',
    )
    .action(async (executionId: string, name: string, opts: { field?: string; reveal?: boolean }) => {
      const client = await ctx.client();
      await runGet({ executionId, name, field: opts.field, reveal: Boolean(opts.reveal), output: ctx.globals().output }, { io: ctx.io, client });
    });
}

export async function runGet(opts: GetOptions, deps: GetDeps): Promise<void> {
  const executionId = id64Arg(opts.executionId);
  // Masked by the client unless --reveal; masking keeps the structure, so a field path finds its masked leaf.
  const record = await deps.client.vars.get(executionId, opts.name, { reveal: opts.reveal });
  if (opts.field !== undefined) {
    const path = opts.field === '.' || opts.field === '' ? [] : opts.field.split('.');
    const found = fieldAt(record.value, path);
    if (!found.ok) throw notFoundError(`variable '${record.name}' has no field '${opts.field}'${found.available ? ` (fields: ${found.available})` : ''}`);
    if (opts.reveal && opts.output === 'table') {
      deps.io.stdout.write(typeof found.value === 'string' ? found.value : JSON.stringify(found.value));
      return;
    }
    const shown = found.value;
    if (opts.output === 'table') deps.io.stdout.write((typeof shown === 'string' ? shown : JSON.stringify(shown, null, 2)) + '\n');
    else printStructured(deps.io, opts.output, shown);
    return;
  }
  printData(deps.io, opts.output, record, () =>
    keyValueView([
      ['execution_id', record.execution_id],
      ['name', record.name],
      ['type', record.type],
      ['source_step', record.source_step ?? '-'],
      ['created_at', record.created_at],
      ['updated_at', record.updated_at],
      ['value', typeof record.value === 'string' ? record.value : JSON.stringify(record.value)],
    ]),
  );
}

function fieldAt(value: unknown, path: string[]): { ok: true; value: unknown } | { ok: false; available?: string } {
  let current = value;
  for (const segment of path) {
    if (current === null || typeof current !== 'object' || !Object.prototype.hasOwnProperty.call(current, segment)) {
      const available = current !== null && typeof current === 'object' && !Array.isArray(current) ? Object.keys(current).slice(0, 10).join(', ') : undefined;
      return { ok: false, available };
    }
    current = (current as Record<string, unknown>)[segment];
  }
  return { ok: true, value: current };
}
