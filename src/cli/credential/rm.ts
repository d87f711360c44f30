import { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { CliError, ExitCode } from '../../core/errors.js';
import { confirmDestructive } from '../prompt.js';
import { depsFrom, type CredentialDeps } from './input.js';

export interface RmOptions {
  name: string;
  yes: boolean;
}

export function newRmCommand(ctx: CommandContext): Command {
  return new Command('rm')
    .alias('remove')
    .description('Delete a credential (asks on a TTY; --yes otherwise)')
    .argument('<name>', 'credential name')
    .option('-y, --yes', 'do not ask')
    .addHelpText('after', '\nExamples:\n  $ noetl credential rm pg_old\n  $ noetl credential rm pg_old --yes')
    .action(async (name: string, opts: { yes?: boolean }) => {
      await runRm({ name, yes: Boolean(opts.yes) }, depsFrom(ctx));
    });
}

export async function runRm(opts: RmOptions, deps: CredentialDeps): Promise<void> {
  const { credentialExists, removeCredential } = await import('../../store/credential.js');
  const store = await deps.store();
  if (!opts.yes) {
    // Not found is exit 3 before anything is asked.
    if (!(await credentialExists(store, opts.name))) await removeCredential(store, opts.name);
    const confirmed = await confirmDestructive(deps.io, {
      yes: false,
      question: `Delete credential '${opts.name}'?`,
      refusal: `deleting credential '${opts.name}' needs confirmation: add --yes (stdin is not a terminal)`,
      ask: deps.confirm,
    });
    if (!confirmed) throw new CliError(`credential '${opts.name}' not deleted`, ExitCode.failure);
  }
  await removeCredential(store, opts.name);
  deps.info(`deleted credential '${opts.name}'`);
}
