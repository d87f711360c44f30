import { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { CliError, ExitCode } from '../../core/errors.js';
import { printImportReport } from './add.js';
import { depsFrom, type CredentialDeps } from './input.js';

export interface ValidateOptions {
  /** A registration file or a directory of them. */
  path: string;
}

export function newValidateCommand(ctx: CommandContext): Command {
  return new Command('validate')
    .description('Check registration files (schema, names, sizes) without storing anything')
    .argument('<file>', 'a registration file, or a directory of them')
    .addHelpText('after', '\nExamples:\n  $ noetl credential validate credentials/pg_prod.json\n  $ noetl credential validate credentials/ -o json')
    .action(async (path: string) => {
      await runValidate({ path }, depsFrom(ctx));
    });
}

/** Needs no database and no key. */
export async function runValidate(opts: ValidateOptions, deps: CredentialDeps): Promise<void> {
  const { readRegistrations, validateRegistrations } = await import('../../store/credential.js');
  const { files, skipped } = readRegistrations(opts.path);
  if (files.length === 0) throw new CliError(`no registration files (.json, .yaml, .yml, also as .example/.template) under ${opts.path}`, ExitCode.usage);
  const entries = await validateRegistrations(files);
  printImportReport(deps, { entries }, skipped);
  const invalid = entries.filter((e) => e.status === 'invalid').length;
  if (invalid > 0) throw new CliError(`${invalid} of ${entries.length} registration file${entries.length === 1 ? '' : 's'} invalid`, ExitCode.usage);
}
