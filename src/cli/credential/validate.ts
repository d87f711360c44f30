import { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { NoetlError } from '../../core/errors.js';
import { hiddenDetailsHint, printImportReport } from './add.js';
import { depsFrom, type CredentialDeps } from './input.js';

export interface ValidateOptions {
  /** A registration file or a directory of them. */
  path: string;
}

export function newValidateCommand(ctx: CommandContext): Command {
  return new Command('validate')
    .description('Check registration files (schema, names, sizes, one name per file) without storing anything: exit 2 invalid, 4 duplicate names')
    .argument('<file>', 'a registration file, or a directory of them')
    .addHelpText('after', '\nExamples:\n  $ noetl credential validate credentials/pg_prod.json\n  $ noetl credential validate credentials/ -o json')
    .action(async (path: string) => {
      await runValidate({ path }, depsFrom(ctx));
    });
}

/**
 * Needs no database and no key: the registrations are checked as the client's `validate` checks
 * them (the same pure function), without opening a client, so validating creates no database.
 */
export async function runValidate(opts: ValidateOptions, deps: Omit<CredentialDeps, 'client'>): Promise<void> {
  const { readRegistrations } = await import('../../io/registrations.js');
  const { checkRegistrations, importOutcome } = await import('../../core/credential-input.js');
  const { files, skipped } = readRegistrations(opts.path);
  if (files.length === 0) throw new NoetlError('invalid', `no registration files (.json, .yaml, .yml, also as .example/.template) under ${opts.path}`);
  const entries = (await checkRegistrations(files, { validStatus: 'valid' })).map((c) => c.entry);
  const outcome = importOutcome(entries);
  printImportReport(deps, { entries, outcome }, skipped);
  if (outcome === 'ok') return;
  const of = `of ${entries.length} registration file${entries.length === 1 ? '' : 's'}`;
  const invalid = entries.filter((e) => e.status === 'invalid').length;
  const conflicts = entries.filter((e) => e.status === 'conflict').length;
  const problems = [invalid ? `${invalid} ${of} invalid` : '', conflicts ? `${conflicts} ${of} reuse a name another file already has (add -f would exit 4)` : ''].filter(Boolean);
  throw new NoetlError(outcome, `${problems.join('; ')}${hiddenDetailsHint(entries, deps)}`);
}
