import { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { NoetlError } from '../../core/errors.js';
import { keyValueView, printData } from '../output.js';
import { depsFrom, printWarnings, type CredentialDeps } from './input.js';

export interface GetOptions {
  name: string;
  reveal: boolean;
  /** One data field (a dotted path reaches into nested objects). */
  field?: string;
}

export function newGetCommand(ctx: CommandContext): Command {
  return new Command('get')
    .description('Show a credential; data values are masked (a fingerprint, no character of the value) unless --reveal')
    .argument('<name>', 'credential name')
    .option('--reveal', 'show the data values in the clear')
    .option('--field <field>', 'only this data field; with --reveal, the raw value with no trailing newline')
    .addHelpText(
      'after',
      `
Examples:
  $ noetl credential get pg_prod
  $ noetl credential get pg_prod -o json --reveal
  $ PGPASSWORD="$(noetl credential get pg_prod --field db_password --reveal)" psql …`,
    )
    .action(async (name: string, opts: { reveal?: boolean; field?: string }) => {
      await runGet({ name, reveal: Boolean(opts.reveal), field: opts.field }, depsFrom(ctx));
    });
}

export async function runGet(opts: GetOptions, deps: CredentialDeps): Promise<void> {
  const client = await deps.client();
  // Masked by the client unless revealed: a fingerprint per value, stable from run to run.
  const credential = await client.credentials.get(opts.name, { reveal: opts.reveal });
  printWarnings(deps.io, credential.warnings);
  if (opts.field !== undefined) {
    const value = fieldValue(credential.data, opts.field, opts.name);
    if (opts.reveal) deps.io.stdout.write(typeof value === 'string' ? value : JSON.stringify(value));
    else deps.io.stdout.write(`${JSON.stringify(value)}\n`);
    return;
  }
  const { data, ...info } = credential;
  printData(deps.io, deps.output, credential, () =>
    keyValueView([
      ['name', info.name],
      ['type', info.type],
      ['id', info.id],
      ['description', info.description ?? '-'],
      ['tags', info.tags.join(', ') || '-'],
      ['meta', info.meta ? JSON.stringify(info.meta) : '-'],
      ['schema', info.schema ? 'yes' : '-'],
      ['created', info.created_at],
      ['updated', info.updated_at],
      ...flatten(data, 'data'),
    ]),
  );
  if (!opts.reveal && deps.output === 'table') deps.info('values masked: add --reveal to show them');
}

function fieldValue(data: Record<string, unknown>, field: string, name: string): unknown {
  if (Object.hasOwn(data, field)) return data[field];
  let current: unknown = data;
  for (const part of field.split('.')) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current as object, part)) {
      throw new NoetlError('not_found', `credential '${name}' has no field '${field}' (fields: ${Object.keys(data).join(', ')})`);
    }
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/** Nested data as `data.a.b` rows. */
function flatten(value: unknown, prefix: string): [string, string][] {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => flatten(v, `${prefix}.${k}`));
  }
  return [[prefix, typeof value === 'string' ? value : JSON.stringify(value)]];
}
