import { Command } from 'commander';
import type { NoetlClient } from '../../api/index.js';
import type { CommandContext } from '../context.js';
import type { IO } from '../io.js';
import { printData, type OutputFormat } from '../output.js';

export interface LsOptions {
  path?: string;
  latest: boolean;
  output: OutputFormat;
}

export interface LsDeps {
  io: IO;
  client: NoetlClient;
}

export function newLsCommand(ctx: CommandContext): Command {
  return new Command('ls')
    .description('List registered playbooks, every version')
    .option('--path <path>', 'only this catalog path')
    .option('--latest', 'only the latest version of each path')
    .addHelpText('after', '\nExamples:\n  $ noetl catalog ls\n  $ noetl catalog ls --latest -o json\n  $ noetl catalog ls --path integrations/travel_booking')
    .action(async (opts: { path?: string; latest?: boolean }) => {
      const client = await ctx.client();
      await runLs({ path: opts.path, latest: Boolean(opts.latest), output: ctx.globals().output }, { io: ctx.io, client });
    });
}

export async function runLs(opts: LsOptions, deps: LsDeps): Promise<void> {
  const entries = await deps.client.catalog.list({ path: opts.path, latest: opts.latest });
  printData(deps.io, opts.output, entries, () => ({
    head: ['CATALOG ID', 'PATH', 'VERSION', 'KIND', 'REGISTERED'],
    rows: entries.map((e) => [e.catalog_id, e.path, String(e.version), e.kind, e.created_at]),
  }));
}
