import { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { printData } from '../output.js';
import { contextDeps, contextView, readConfig, type ContextDeps } from './shared.js';

export function newContextLsCommand(ctx: CommandContext): Command {
  return new Command('ls')
    .alias('list')
    .description('List the contexts; the current one is marked *')
    .addHelpText('after', '\nExamples:\n  $ noetl context ls\n  $ noetl context ls -o json | jq -r \'.[] | select(.current) | .name\'')
    .action(async () => {
      await runContextLs(contextDeps(ctx));
    });
}

export async function runContextLs(deps: ContextDeps): Promise<void> {
  const file = readConfig(deps);
  const views = Object.entries(file.contexts ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, entry]) => contextView(name, entry, file.current_context));
  printData(deps.io, deps.output, views, () => ({
    head: ['CURRENT', 'NAME', 'BACKEND', 'LOCATION'],
    rows: views.map((v) => [v.current ? '*' : '', v.name, v.backend, v.location]),
  }));
}
