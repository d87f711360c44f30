import { Command } from 'commander';
import { findContext, updateConfigFile } from '../config.js';
import type { CommandContext } from '../context.js';
import { printStructured } from '../output.js';
import { contextDeps, contextView, readConfig, type ContextDeps } from './shared.js';

export function newContextUseCommand(ctx: CommandContext): Command {
  return new Command('use')
    .description('Make a context the current one: commands use its backend unless a flag or NOETL_* variable names another')
    .argument('<name>', 'context name')
    .addHelpText('after', '\nExamples:\n  $ noetl context use prod\n  $ noetl credential ls          # now on prod')
    .action(async (name: string) => {
      await runContextUse({ name }, contextDeps(ctx));
    });
}

export async function runContextUse(opts: { name: string }, deps: ContextDeps): Promise<void> {
  const entry = findContext(readConfig(deps), opts.name);
  updateConfigFile(deps.env, (doc) => doc.set('current_context', opts.name));
  const view = contextView(opts.name, entry, opts.name);
  printStructured(deps.io, deps.output, view);
  deps.info(`switched to context '${opts.name}' (${view.backend} ${view.location})`);
}
