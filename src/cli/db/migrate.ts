import { Command } from 'commander';
import type { Store } from '../../backends/sql/store.js';
import type { CommandContext } from '../context.js';
import type { IO } from '../io.js';
import { printStructured, type OutputFormat } from '../output.js';

export interface MigrateOptions {
  output: OutputFormat;
}

export interface MigrateDeps {
  io: IO;
  store: Store;
  info(message: string): void;
}

export function newDbMigrateCommand(ctx: CommandContext): Command {
  return new Command('migrate')
    .description('Apply pending migrations, each in a transaction, under an advisory lock (safe to run from many processes at once)')
    .addHelpText('after', '\nExamples:\n  $ noetl db migrate\n  $ NOETL_DATABASE_URL=postgres://postgres@127.0.0.1/noetl noetl db migrate -o json')
    .action(async () => {
      const store = await ctx.openStore({ schemaCheck: 'none' });
      await runMigrate({ output: ctx.globals().output }, { io: ctx.io, store, info: (m) => ctx.info(m) });
    });
}

export async function runMigrate(opts: MigrateOptions, deps: MigrateDeps): Promise<void> {
  const { migrate } = await import('../../backends/sql/migrate.js');
  const result = await migrate(deps.store);
  const schema = deps.store.info.schema;
  const applied = result.applied.map((m) => ({ version: m.version, name: m.name, file: m.file, sha256: m.sha256 }));
  if (opts.output === 'table') {
    for (const m of applied) deps.info(`applied ${m.file}`);
    deps.info(result.applied.length ? `schema ${schema} is at version ${result.version}` : `schema ${schema} is up to date (version ${result.version})`);
    return;
  }
  printStructured(deps.io, opts.output, { schema, version: result.version, applied });
}
