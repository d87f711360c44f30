/** The read-only report verbs (`cache stats`, `vars stats`, `keychain stats`): no flags of their own. */
import { Command } from 'commander';
import type { Store } from '../backends/sql/store.js';
import type { CommandContext } from './context.js';
import type { IO } from './io.js';
import type { OutputFormat } from './output.js';

export interface ReportOptions {
  output: OutputFormat;
}

export interface ReportDeps {
  io: IO;
  store: Store;
}

/** A report verb: opens the store and runs `run` in the global output format. */
export function newReportCommand(
  ctx: CommandContext,
  spec: { name: string; description: string; examples: string[] },
  run: (opts: ReportOptions, deps: ReportDeps) => Promise<void>,
): Command {
  return new Command(spec.name)
    .description(spec.description)
    .addHelpText('after', `\nExamples:\n${spec.examples.map((e) => `  $ ${e}`).join('\n')}`)
    .action(async () => {
      const store = await ctx.openStore();
      await run({ output: ctx.globals().output }, { io: ctx.io, store });
    });
}
