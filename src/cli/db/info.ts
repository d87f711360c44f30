import { Command } from 'commander';
import type { AdminApi } from '../../api/admin.js';
import type { CommandContext } from '../context.js';
import type { IO } from '../io.js';
import { keyValueView, printData, type OutputFormat } from '../output.js';
import type { AgentDescription } from '../../agent/files.js';
import { agentRows } from './agent-status.js';
import { dbAdmin } from './client.js';

export interface InfoOptions {
  output: OutputFormat;
}

export interface InfoDeps {
  io: IO;
  admin: AdminApi;
  /** The agent serving an embedded data directory (omitted: not shown). */
  agent?(dataDir: string): AgentDescription;
}

export function newDbInfoCommand(ctx: CommandContext): Command {
  return new Command('info')
    .description('Show the backend, where the database is (password masked) and the schema version')
    .addHelpText('after', '\nExamples:\n  $ noetl db info\n  $ noetl db info -o json | jq -r .schema_version')
    .action(async () => {
      const [admin, { describeAgent }] = await Promise.all([dbAdmin(ctx, 'db info'), import('../../agent/files.js')]);
      await runInfo({ output: ctx.globals().output }, { io: ctx.io, admin, agent: (dir) => describeAgent(dir, ctx.now()) });
    });
}

export async function runInfo(opts: InfoOptions, deps: InfoDeps): Promise<void> {
  const info = await deps.admin.databaseInfo();
  const agent = info.backend === 'embedded' ? deps.agent?.(info.location) : undefined;
  printData(deps.io, opts.output, agent ? { ...info, agent } : info, () =>
    keyValueView([
      ['backend', info.backend],
      ['location', info.location],
      ['schema', info.schema],
      ['layout', info.layout],
      ['schema version', info.schema_version === null ? 'not initialised (run `noetl db migrate`)' : String(info.schema_version)],
      ['pending migrations', String(info.pending_migrations)],
      ['server version', info.server_version],
      ...(agent ? agentRows(agent) : []),
    ]),
  );
}
