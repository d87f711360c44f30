import { Command } from 'commander';
import type { Store } from '../../backends/sql/store.js';
import type { CommandContext } from '../context.js';
import type { IO } from '../io.js';
import { keyValueView, printData, type OutputFormat } from '../output.js';

export interface InfoOptions {
  output: OutputFormat;
}

export interface InfoDeps {
  io: IO;
  store: Store;
}

export function newDbInfoCommand(ctx: CommandContext): Command {
  return new Command('info')
    .description('Show the backend, where the database is (password masked) and the schema version')
    .addHelpText('after', '\nExamples:\n  $ noetl db info\n  $ noetl db info -o json | jq -r .schema_version')
    .action(async () => {
      const store = await ctx.openStore({ schemaCheck: 'none' });
      await runInfo({ output: ctx.globals().output }, { io: ctx.io, store });
    });
}

export async function runInfo(opts: InfoOptions, deps: InfoDeps): Promise<void> {
  const { databaseInfo } = await import('../../backends/sql/migrate.js');
  const info = await databaseInfo(deps.store);
  printData(deps.io, opts.output, info, () =>
    keyValueView([
      ['backend', info.backend],
      ['location', info.location],
      ['schema', info.schema],
      ['schema version', info.schema_version === null ? 'not initialised (run `noetl db migrate`)' : String(info.schema_version)],
      ['pending migrations', String(info.pending_migrations)],
      ['server version', info.server_version],
    ]),
  );
}
