import { Command } from 'commander';
import type { AdminApi } from '../../api/admin.js';
import type { CommandContext } from '../context.js';
import type { IO } from '../io.js';
import { printStructured, type OutputFormat } from '../output.js';
import { dbAdmin } from './client.js';

export interface MigrateOptions {
  output: OutputFormat;
  /** Print the SQL that would run; write nothing. */
  dryRun?: boolean;
}

export interface MigrateDeps {
  io: IO;
  admin: AdminApi;
  info(message: string): void;
}

export function newDbMigrateCommand(ctx: CommandContext): Command {
  return new Command('migrate')
    .description(
      'Apply pending migrations, each in a transaction, under an advisory lock (safe to run from many processes at once); ' +
        "on a schema an upstream NoETL server created, adopt it (upstream's tables kept as they are, noetl's added)",
    )
    .option('--dry-run', 'print the SQL that would run; change nothing')
    .addHelpText(
      'after',
      '\nExamples:\n  $ noetl db migrate\n  $ noetl db migrate --dry-run\n  $ NOETL_DATABASE_URL=postgres://postgres@127.0.0.1/noetl noetl db migrate -o json',
    )
    .action(async (opts: { dryRun?: boolean }) => {
      await runMigrate({ output: ctx.globals().output, dryRun: Boolean(opts.dryRun) }, { io: ctx.io, admin: await dbAdmin(ctx, 'db migrate'), info: (m) => ctx.info(m) });
    });
}

export async function runMigrate(opts: MigrateOptions, deps: MigrateDeps): Promise<void> {
  const result = await deps.admin.migrate({ dryRun: opts.dryRun });
  if (opts.dryRun && opts.output === 'table') {
    // The SQL itself is the data (stdout, ready for psql); what it is goes to stderr.
    deps.info(`schema ${result.schema}: ${result.layout}; ${result.applied.length ? `${result.applied.length} migration(s) would be applied` : 'up to date, nothing would run'}; nothing was changed`);
    if (result.sql?.length) deps.io.stdout.write(result.sql.map((s) => (s.startsWith('--') || s.endsWith(';') ? s : `${s};`)).join('\n') + '\n');
    return;
  }
  if (opts.output === 'table') {
    if (result.applied.some((m) => m.name === 'upstream_baseline')) deps.info(`adopted the upstream NoETL 4.x layout of schema ${result.schema}: its tables are kept as they are`);
    for (const m of result.applied) deps.info(`applied ${m.file}`);
    deps.info(result.applied.length ? `schema ${result.schema} is at version ${result.version}` : `schema ${result.schema} is up to date (version ${result.version})`);
    return;
  }
  printStructured(deps.io, opts.output, result);
}
