import { Command } from 'commander';
import type { NoetlClient } from '../../api/index.js';
import type { CommandContext } from '../context.js';
import type { IO } from '../io.js';
import { keyValueView, printData, type OutputFormat } from '../output.js';

export interface ShowOptions {
  /** A catalog id, a path (latest version) or PATH@VERSION. */
  ref: string;
  /** Print only the playbook text. */
  content: boolean;
  output: OutputFormat;
}

export interface ShowDeps {
  io: IO;
  client: NoetlClient;
}

export function newShowCommand(ctx: CommandContext): Command {
  return new Command('show')
    .description('Show a registered playbook by catalog id, path (latest version) or PATH@VERSION')
    .argument('<path|id>', 'catalog id, path, or path@version')
    .option('--content', 'print only the playbook text')
    .addHelpText(
      'after',
      '\nExamples:\n  $ noetl catalog show integrations/travel_booking\n  $ noetl catalog show integrations/travel_booking@1 --content\n  $ noetl catalog show 518486534513754563 -o json',
    )
    .action(async (ref: string, opts: { content?: boolean }) => {
      const client = await ctx.client();
      await runShow({ ref, content: Boolean(opts.content), output: ctx.globals().output }, { io: ctx.io, client });
    });
}

export async function runShow(opts: ShowOptions, deps: ShowDeps): Promise<void> {
  const entry = await deps.client.catalog.show(opts.ref);
  if (opts.content) {
    deps.io.stdout.write(entry.content.endsWith('\n') ? entry.content : `${entry.content}\n`);
    return;
  }
  printData(deps.io, opts.output, entry, () =>
    keyValueView([
      ['catalog id', entry.catalog_id],
      ['path', entry.path],
      ['version', String(entry.version)],
      ['kind', entry.kind],
      ['registered', entry.created_at],
    ]),
  );
}
