import { Command } from 'commander';
import { getSecret } from '../../io/token-store.js';
import { findContext } from '../config.js';
import type { CommandContext } from '../context.js';
import { keyValueView, printData } from '../output.js';
import { currentContextName } from './current.js';
import { contextDeps, contextView, readConfig, type ContextDeps } from './shared.js';

export function newContextShowCommand(ctx: CommandContext): Command {
  return new Command('show')
    .description('Show a context (the current one by default): its backend and where its token is kept (never the token)')
    .argument('[name]', 'context name (default: the current context)')
    .addHelpText('after', '\nExamples:\n  $ noetl context show\n  $ noetl context show prod -o json')
    .action(async (name: string | undefined) => {
      await runContextShow({ name: name ?? ctx.globals().context }, contextDeps(ctx));
    });
}

export async function runContextShow(opts: { name?: string }, deps: ContextDeps): Promise<void> {
  const file = readConfig(deps);
  const name = opts.name ?? currentContextName(file);
  const entry = findContext(file, name);
  const view = contextView(name, entry, file.current_context);
  // Only a server's context has a token; where it is kept is said, the token never is.
  const token = entry.server ? ((await getSecret(deps.env, name, 'token'))?.location ?? null) : null;
  const shown = { ...view, token };
  printData(deps.io, deps.output, shown, () =>
    keyValueView([
      ['name', shown.name],
      ['current', shown.current ? 'yes' : 'no'],
      ['backend', shown.backend],
      ['location', shown.location],
      ...(entry.server ? [['token', token ?? 'none stored (NOETL_TOKEN or --token-file give one)'] as [string, string]] : []),
    ]),
  );
}
