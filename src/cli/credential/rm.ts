import { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { printStructured } from '../output.js';
import { confirmDestructive, requireYesOffTerminal } from '../prompt.js';
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
    .addHelpText('after', '\nExamples:\n  $ noetl credential rm pg_old\n  $ noetl credential rm pg_old --yes -o json   # prints {"id", "name", "deleted": true}')
    .action(async (name: string, opts: { yes?: boolean }) => {
      await runRm({ name, yes: Boolean(opts.yes) }, depsFrom(ctx));
    });
}

export async function runRm(opts: RmOptions, deps: CredentialDeps): Promise<void> {
  const action = `deleting credential '${opts.name}'`;
  requireYesOffTerminal(deps.io, opts.yes, action);
  const client = await deps.client();
  if (!opts.yes) {
    // Not found (with its did-you-mean) before anything is asked: removing nothing says it.
    if (!(await client.credentials.exists(opts.name))) await client.credentials.remove(opts.name);
    await confirmDestructive(deps.io, {
      yes: false,
      question: `Delete credential '${opts.name}'?`,
      action,
      declined: `credential '${opts.name}' not deleted`,
      ask: deps.confirm,
    });
  }
  const removed = await client.credentials.remove(opts.name);
  printStructured(deps.io, deps.output, removed);
  deps.info(`deleted credential '${opts.name}'`);
}
