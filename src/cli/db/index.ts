import { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { newDbAgentCommand } from './agent.js';
import { newDbInfoCommand } from './info.js';
import { newDbMigrateCommand } from './migrate.js';
import { newDbStatusCommand } from './status.js';

export function newDbCommand(ctx: CommandContext): Command {
  return new Command('db')
    .description('Manage the database schema: migrations, status and connection info; the embedded database agent')
    .addHelpText('after', '\nExamples:\n  $ noetl db migrate\n  $ noetl db status --exit-code\n  $ noetl --database-url postgres://postgres@127.0.0.1/noetl db info')
    .addCommand(newDbMigrateCommand(ctx))
    .addCommand(newDbStatusCommand(ctx))
    .addCommand(newDbInfoCommand(ctx))
    .addCommand(newDbAgentCommand(ctx));
}
