import { Command, InvalidArgumentError, Option } from 'commander';
import type { CredentialInput, ImportReport, ValidationReport } from '../../api/credentials.js';
import type { CommandContext } from '../context.js';
import { NoetlError, invalidError } from '../../core/errors.js';
import { printData, printStructured } from '../output.js';
import { depsFrom, detailsHint, parseMeta, printWarnings, withDetails, type CredentialDeps } from './input.js';
import { askHidden, askVisible } from '../prompt.js';
import { isPublicField } from '../../core/mask.js';
import { readObjectInput } from '../io.js';

export interface AddOptions {
  name?: string;
  type?: string;
  /** `@file.json`, `@file.yaml` or `-` (stdin); never the value itself. */
  data?: string;
  /** A registration file or a directory of them. */
  file?: string;
  description?: string;
  tags: string[];
  meta: string[];
  /** `@file` holding the schema. */
  schema?: string;
  replace: boolean;
  /** With --replace: stored fields to empty rather than keep. */
  clear: ClearableField[];
  continueOnError: boolean;
}

/** What --replace keeps unless given, and --clear empties (KEPT_ON_REPLACE in src/core/credential-input.ts). */
const CLEARABLE_FIELDS = ['description', 'tags', 'meta', 'schema'] as const;
type ClearableField = (typeof CLEARABLE_FIELDS)[number];

const collect = (value: string, previous: string[]) => [...previous, value];

export function newAddCommand(ctx: CommandContext): Command {
  return new Command('add')
    .description('Register a credential: data from @file, stdin or a hidden prompt, sealed at rest')
    .argument('[name]', 'credential name (letters, digits, _ . -; 1-128 characters)')
    .option('-t, --type <type>', 'credential type (postgres, oauth2, bearer, basic, api_key, service_account, snowflake, or any other)')
    .option('--data <source>', 'the data: @file.json, @file.yaml or - for stdin (never inline); on a TTY, prompted when omitted')
    .option('-f, --file <path>', 'a NoETL registration file {name, type, description, tags, meta, schema, data}, or a directory of them')
    .option('--description <text>', 'what the credential is for')
    .option('--tag <tag>', 'a tag (repeatable)', collect, [])
    .option('--meta <key=value>', 'a metadata entry (repeatable)', collect, [])
    .option('--schema <@file>', 'a schema the data must match (compact fields/required/types form, or JSON Schema)')
    .option('--replace', 'overwrite a credential of the same name: its data and type; description, tags, meta and schema are kept unless given')
    .addOption(new Option('--clear <field>', 'with --replace: empty this kept field (repeatable)').choices([...CLEARABLE_FIELDS]).argParser(collectClearable).default([]))
    .option('--continue-on-error', 'with -f DIR: load the valid files and report the rest (default: all or none)')
    .addHelpText(
      'after',
      `
Examples:
  $ noetl credential add pg_prod --type postgres --data @pg_prod.json
  $ vault kv get -format=json secret/pg | jq .data.data | noetl credential add pg_prod --type postgres --data -
  $ noetl credential add openai --type api_key                  # prompts for api_key, api_secret (hidden)
  $ noetl credential add -f credentials/google_oauth.json
  $ noetl credential add pg_prod --type postgres --data @new.json --replace   # keeps its description, tags, meta and schema
  $ noetl credential add pg_prod --type postgres --data @new.json --replace --clear tags
  $ noetl credential add -f credentials/ --replace              # a directory: all files in one transaction (each file is the whole record)`,
    )
    .action(async (name: string | undefined, opts: Omit<AddOptions, 'name' | 'tags'> & { tag: string[] }) => {
      const { tag, ...rest } = opts;
      await runAdd({ ...rest, name, tags: tag, replace: Boolean(opts.replace), clear: opts.clear, continueOnError: Boolean(opts.continueOnError) }, depsFrom(ctx));
    });
}

/** Registers one credential (flags) or many (registration files). */
export async function runAdd(opts: AddOptions, deps: CredentialDeps): Promise<void> {
  if (opts.file) return addFromFiles(opts, deps);
  if (!opts.name) throw invalidError('give a credential name (noetl credential add NAME --type TYPE --data @file.json), or -f FILE');
  if (!opts.type) throw invalidError(`give the type of credential '${opts.name}' with --type (e.g. postgres, oauth2, api_key)`);
  if (opts.continueOnError) throw invalidError('--continue-on-error applies to -f DIR only');
  checkClear(opts);
  const { prepareCredential } = await import('../../core/credential-input.js');
  const { knownTypeSchema } = await import('../../core/credential-types.js');
  const schema = opts.schema ? await readObjectInput(opts.schema, '--schema', deps.io) : undefined;
  const data = opts.data ? await readObjectInput(opts.data, '--data', deps.io) : await promptData(opts, deps, schema ?? knownTypeSchema(opts.type));
  // Not given: undefined, which a replace keeps; --clear: null.
  const given = <T>(field: ClearableField, value: T | undefined): T | null | undefined => (opts.clear.includes(field) ? null : value);
  const input: CredentialInput = {
    name: opts.name,
    type: opts.type,
    data,
    description: given('description', opts.description),
    tags: given('tags', opts.tags.length ? opts.tags : undefined),
    meta: given('meta', parseMeta(opts.meta)),
    schema: given('schema', schema),
  };
  // Checked before the client is opened: bad input never creates a database or a key.
  await withDetails(deps, () => prepareCredential(input));
  const client = await deps.client();
  const result = await withDetails(deps, () => client.credentials.add(input, { replace: opts.replace }));
  printWarnings(deps.io, result.warnings);
  printStructured(deps.io, deps.output, result);
  deps.info(`${result.replaced ? 'replaced' : 'added'} credential '${result.name}' (${result.type})`);
}

/**
 * On a TTY with no --data: one prompt per schema field, shown as typed for fields that are not
 * secret (db_host, db_port) and hidden for the rest. An answer of the wrong type is asked again;
 * an empty answer leaves an optional field out, and is asked again for a required one.
 */
async function promptData(opts: AddOptions, deps: CredentialDeps, schema: { fields?: string[]; types?: Record<string, string>; required?: string[] } | undefined): Promise<Record<string, unknown>> {
  if (!deps.io.stdinIsTTY) {
    throw invalidError(`no data for credential '${opts.name}': give --data @file.json (or .yaml), or --data - to read stdin; inline values are refused`);
  }
  const fields = schema?.fields ?? [...new Set([...(schema?.required ?? []), ...Object.keys(schema?.types ?? {})])];
  if (fields.length === 0) {
    throw invalidError(`type '${opts.type}' has no known fields to ask for: give --schema @schema.json, or --data @file.json`);
  }
  const ask = deps.prompt ?? ((message: string, { secret }: { secret: boolean }) => (secret ? askHidden(deps.io, message) : askVisible(deps.io, message)));
  const data: Record<string, unknown> = {};
  for (const field of fields) {
    const required = schema?.required?.includes(field) ?? false;
    for (;;) {
      const answer = await ask(`${field}${required ? '' : ' (optional)'}:`, { secret: !isPublicField(field) });
      if (answer === '' && !required) break;
      const typed = answer === '' ? { problem: `${field} is required` } : typedAnswer(field, answer, schema?.types?.[field]);
      if ('value' in typed) {
        data[field] = typed.value;
        break;
      }
      deps.io.stderr.write(`${typed.problem}: try again (Ctrl-C to stop)\n`);
    }
  }
  return data;
}

function collectClearable(value: string, previous: ClearableField[]): ClearableField[] {
  if (!(CLEARABLE_FIELDS as readonly string[]).includes(value)) throw new InvalidArgumentError(`Allowed choices are ${CLEARABLE_FIELDS.join(', ')}.`);
  return [...previous, value as ClearableField];
}

/** --clear goes with --replace, and not with a new value for the same field. */
function checkClear(opts: AddOptions): void {
  if (opts.clear.length === 0) return;
  if (!opts.replace) throw invalidError('--clear empties a field of the stored credential: it goes with --replace');
  const given: Record<ClearableField, boolean> = { description: opts.description !== undefined, tags: opts.tags.length > 0, meta: opts.meta.length > 0, schema: opts.schema !== undefined };
  const both = opts.clear.find((field) => given[field]);
  if (both) throw invalidError(`--clear ${both} and a new ${both} both given: give one of them`);
}

/** An answer as its schema type, or what is wrong with it. */
function typedAnswer(field: string, answer: string, type: string | undefined): { value: unknown } | { problem: string } {
  if (type === 'integer' || type === 'number') {
    const n = Number(answer);
    if (answer.trim() === '' || Number.isNaN(n) || (type === 'integer' && !Number.isInteger(n))) return { problem: `${field} must be ${type === 'integer' ? 'an integer' : 'a number'}` };
    return { value: n };
  }
  if (type === 'boolean') {
    if (/^(true|yes|y|1)$/i.test(answer)) return { value: true };
    if (/^(false|no|n|0)$/i.test(answer)) return { value: false };
    return { problem: `${field} must be true or false` };
  }
  return { value: answer };
}

async function addFromFiles(opts: AddOptions, deps: CredentialDeps): Promise<void> {
  if (opts.name || opts.type || opts.data || opts.schema || opts.description || opts.tags.length || opts.meta.length || opts.clear.length) {
    throw invalidError('-f takes everything from the registration file: drop NAME, --type, --data, --schema, --description, --tag, --meta and --clear');
  }
  const { readRegistrations } = await import('../../io/registrations.js');
  const { files, skipped } = readRegistrations(opts.file!);
  if (files.length === 0) throw invalidError(`no registration files (.json, .yaml, .yml, also as .example/.template) under ${opts.file}`);
  if (!opts.continueOnError) {
    // All or none: invalid files and duplicate names stop the import before a database is opened or a key generated.
    const { checkRegistrations, importOutcome } = await import('../../core/credential-input.js');
    const entries = (await checkRegistrations(files, { replace: opts.replace, validStatus: 'not-loaded' })).map((c) => c.entry);
    const outcome = importOutcome(entries);
    if (outcome !== 'ok') {
      const report: ImportReport = { entries, rolled_back: true, outcome };
      printImportReport(deps, report, skipped);
      throw new NoetlError(outcome, importSummary(report, opts, deps));
    }
  }
  const client = await deps.client();
  const report = await client.credentials.import(files, { replace: opts.replace, continueOnError: opts.continueOnError });
  printImportReport(deps, report, skipped);
  if (report.outcome !== 'ok') throw new NoetlError(report.outcome, importSummary(report, opts, deps));
}

type ReportDeps = Pick<CredentialDeps, 'io' | 'output' | 'verbose' | 'info'>;

/** Per-file lines on stderr, and the report: a FILE/NAME/STATUS table, or the whole report in JSON/YAML. */
export function printImportReport(deps: ReportDeps, report: ImportReport | ValidationReport, skipped: string[]): void {
  for (const s of skipped) deps.info(`skipped ${s} (not a .json/.yaml registration file)`);
  for (const e of report.entries) {
    printWarnings(deps.io, e.warnings);
    // One line per file; its detail lines (every schema error) with --verbose, and always in JSON/YAML.
    for (const [i, m] of e.messages.entries()) {
      if (i === 0) deps.io.stderr.write(`${m}\n`);
      else if (deps.verbose) deps.io.stderr.write(`  ${m}\n`);
    }
  }
  const rows = report.entries.map((e) => ({ file: e.file, name: e.name ?? null, status: e.status }));
  printData(deps.io, deps.output, report, () => ({
    head: ['FILE', 'NAME', 'STATUS'],
    rows: rows.map((r) => [r.file, r.name ?? '-', r.status]),
  }));
}

function importSummary(report: ImportReport, opts: AddOptions, deps: CredentialDeps): string {
  return importOutcome(report, opts) + hiddenDetailsHint(report.entries, deps);
}

/** Said after a one-line summary when some file's detail lines were left out. */
export function hiddenDetailsHint(entries: ValidationReport['entries'], deps: ReportDeps): string {
  return detailsHint(deps, entries.some((e) => e.messages.length > 1));
}

function importOutcome(report: ImportReport, opts: AddOptions): string {
  const failed = report.entries.filter((e) => e.status === 'invalid' || e.status === 'conflict').length;
  const of = `${failed} of ${report.entries.length} registration file${report.entries.length === 1 ? '' : 's'} failed`;
  if (report.rolled_back) {
    return `${of}; nothing was written (all or none${report.entries.length > 1 ? ': fix them, or use --continue-on-error to load the valid ones' : ''})`;
  }
  const loaded = report.entries.filter((e) => e.status === 'added' || e.status === 'replaced').length;
  const conflicts = report.entries.some((e) => e.status === 'conflict');
  return `${of}; loaded ${loaded}${conflicts && !opts.replace ? ' (use --replace to overwrite existing names)' : ''}`;
}
