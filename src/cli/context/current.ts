import { Command } from 'commander';
import { NoetlError } from '../../core/errors.js';
import type { ConfigFile } from '../config.js';
import type { CommandContext } from '../context.js';
import { printStructured } from '../output.js';
import { contextDeps, readConfig, type ContextDeps } from './shared.js';

export function newContextCurrentCommand(ctx: CommandContext): Command {
  return new Command('current')
    .description('Print the name of the current context')
    .addHelpText('after', '\nExamples:\n  $ noetl context current\n  $ noetl context current -o json   # {"name": "prod"}')
    .action(async () => {
      await runContextCurrent(contextDeps(ctx));
    });
}

/** current_context of config.yaml, or not_found when none is set. */
export function currentContextName(file: ConfigFile): string {
  if (!file.current_context) throw new NoetlError('not_found', 'no current context is set', { hint: { command: 'context use NAME', text: 'to set one (noetl context ls lists them)' } });
  return file.current_context;
}

export async function runContextCurrent(deps: ContextDeps): Promise<void> {
  const name = currentContextName(readConfig(deps));
  if (deps.output === 'table') deps.io.stdout.write(`${name}\n`);
  else printStructured(deps.io, deps.output, { name });
}
