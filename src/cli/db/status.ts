import { Command } from 'commander';
import type { AdminApi } from '../../api/admin.js';
import type { CommandContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import type { IO } from '../io.js';
import { printSections, type OutputFormat } from '../output.js';
import { dbAdmin } from './client.js';

export interface StatusOptions {
  output: OutputFormat;
  /** Exit 1 while any migration is pending (a CI gate). */
  exitCode: boolean;
}

export interface StatusDeps {
  io: IO;
  admin: AdminApi;
}

export function newDbStatusCommand(ctx: CommandContext): Command {
  return new Command('status')
    .description('Say which layout the schema holds (noetl, or an upstream NoETL one) and list its applied and pending migrations')
    .option('--exit-code', 'exit 1 while any migration is pending or changed')
    .addHelpText('after', '\nExamples:\n  $ noetl db status\n  $ noetl db status --exit-code || noetl db migrate\n  $ noetl db status -o json')
    .action(async (opts: { exitCode?: boolean }) => {
      const code = await runStatus({ output: ctx.globals().output, exitCode: Boolean(opts.exitCode) }, { io: ctx.io, admin: await dbAdmin(ctx, 'db status') });
      ctx.setExitCode(code);
    });
}

/** Prints the layout (table form) and the migration states; returns the exit code. */
export async function runStatus(opts: StatusOptions, deps: StatusDeps): Promise<number> {
  // -o json/yaml print the migration states only: the layout (a second catalog query) is for the table.
  const [layout, rows] = await Promise.all([opts.output === 'table' ? deps.admin.schemaLayout() : undefined, deps.admin.migrationStatus()]);
  printSections(deps.io, opts.output, rows, () => [
    `layout: ${layout!.description}`,
    {
      head: ['VERSION', 'NAME', 'STATUS', 'APPLIED'],
      rows: rows.map((r) => [String(r.version).padStart(4, '0'), r.name, r.status, r.applied_at ?? '-']),
    },
  ]);
  const outstanding = rows.some((s) => s.status !== 'applied');
  return opts.exitCode && outstanding ? ExitCode.failure : ExitCode.ok;
}
