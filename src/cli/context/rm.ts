import { Command } from 'commander';
import { deleteSecret } from '../../io/token-store.js';
import { forgetLogin } from '../auth/stored.js';
import { findContext, updateConfigFile } from '../config.js';
import type { CommandContext } from '../context.js';
import { printStructured } from '../output.js';
import { confirmDestructive, requireYesOffTerminal } from '../prompt.js';
import { contextDeps, readConfig, type ContextDeps } from './shared.js';

export interface ContextRmOptions {
  name: string;
  yes: boolean;
}

export function newContextRmCommand(ctx: CommandContext): Command {
  return new Command('rm')
    .alias('remove')
    .description('Remove a context and its stored token; removing the current one leaves none current (asks on a TTY; --yes otherwise)')
    .argument('<name>', 'context name')
    .option('-y, --yes', 'do not ask')
    .addHelpText('after', '\nExamples:\n  $ noetl context rm staging\n  $ noetl context rm staging --yes -o json   # {"name", "deleted": true, "was_current"}')
    .action(async (name: string, opts: { yes?: boolean }) => {
      const yes = Boolean(opts.yes);
      requireYesOffTerminal(ctx.io, yes, `removing context '${name}'`);
      await runContextRm({ name, yes }, contextDeps(ctx));
    });
}

export async function runContextRm(opts: ContextRmOptions, deps: ContextDeps & { confirm?(question: string): Promise<boolean> }): Promise<void> {
  const file = readConfig(deps);
  const entry = findContext(file, opts.name);
  await confirmDestructive(deps.io, {
    yes: opts.yes,
    question: `Remove context '${opts.name}'${entry.server ? ' and its stored token' : ''}?`,
    action: `removing context '${opts.name}'`,
    declined: `context '${opts.name}' not removed`,
    ask: deps.confirm,
  });
  const wasCurrent = file.current_context === opts.name;
  updateConfigFile(deps.env, (doc) => {
    doc.deleteIn(['contexts', opts.name]);
    if (wasCurrent) doc.delete('current_context');
  });
  // Its secrets go with it: a later context of the same name must not inherit a token or a gateway login.
  await Promise.all([deleteSecret(deps.env, opts.name, 'token'), forgetLogin(deps.env, opts.name)]);
  printStructured(deps.io, deps.output, { name: opts.name, deleted: true, was_current: wasCurrent });
  deps.info(`removed context '${opts.name}'${wasCurrent ? '; no context is current now (noetl context use NAME)' : ''}`);
}
