import { Command } from 'commander';
import type { AdminApi } from '../../api/admin.js';
import type { CommandContext } from '../context.js';
import type { IO } from '../io.js';
import { printStructured, type OutputFormat } from '../output.js';
import { dbAdmin } from './client.js';

export interface MigrateOptions {
  output: OutputFormat;
}

export interface MigrateDeps {
  io: IO;
  admin: AdminApi;
  info(message: string): void;
}

export function newDbMigrateCommand(ctx: CommandContext): Command {
  return new Command('migrate')
    .description('Apply pending migrations, each in a transaction, under an advisory lock (safe to run from many processes at once)')
    .addHelpText('after', '\nExamples:\n  $ noetl db migrate\n  $ NOETL_DATABASE_URL=postgres://postgres@127.0.0.1/noetl noetl db migrate -o json')
    .action(async () => {
      await runMigrate({ output: ctx.globals().output }, { io: ctx.io, admin: await dbAdmin(ctx, 'db migrate'), info: (m) => ctx.info(m) });
    });
}

export async function runMigrate(opts: MigrateOptions, deps: MigrateDeps): Promise<void> {
  const result = await deps.admin.migrate();
  if (opts.output === 'table') {
    for (const m of result.applied) deps.info(`applied ${m.file}`);
    deps.info(result.applied.length ? `schema ${result.schema} is at version ${result.version}` : `schema ${result.schema} is up to date (version ${result.version})`);
    return;
  }
  printStructured(deps.io, opts.output, result);
}
