/** The read-only report verbs (`cache stats`, `vars stats`, `keychain stats`): no flags of their own. */
import { Command } from 'commander';
import type { NoetlClient } from '../api/index.js';
import type { CommandContext } from './context.js';
import type { IO } from './io.js';
import type { OutputFormat } from './output.js';

export interface ReportOptions {
  output: OutputFormat;
}

export interface ClientReportDeps {
  io: IO;
  client: NoetlClient;
}

interface ReportSpec {
  name: string;
  description: string;
  examples: string[];
}

function reportCommand(spec: ReportSpec, action: () => Promise<void>): Command {
  return new Command(spec.name)
    .description(spec.description)
    .addHelpText('after', `\nExamples:\n${spec.examples.map((e) => `  $ ${e}`).join('\n')}`)
    .action(action);
}

/** A report verb over the client: runs `run` in the global output format. */
export function newClientReportCommand(ctx: CommandContext, spec: ReportSpec, run: (opts: ReportOptions, deps: ClientReportDeps) => Promise<void>): Command {
  return reportCommand(spec, async () => {
    const client = await ctx.client();
    await run({ output: ctx.globals().output }, { io: ctx.io, client });
  });
}
