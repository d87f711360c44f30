import { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { newContextAddCommand } from './add.js';
import { newContextCurrentCommand } from './current.js';
import { newContextLsCommand } from './ls.js';
import { newContextRmCommand } from './rm.js';
import { newContextShowCommand } from './show.js';
import { newContextUseCommand } from './use.js';

export function newContextCommand(ctx: CommandContext): Command {
  return new Command('context')
    .description('Named backends (a NoETL server with its token, or a database) kept in config.yaml, as kubectl contexts: add, use, ls, show, rm, current')
    .addHelpText(
      'after',
      `
Examples:
  $ noetl context add prod --server https://noetl.example.com --token-file prod.token
  $ noetl context use prod
  $ noetl context ls
  $ noetl --context staging credential ls

A flag (--server, --database-url, --data-dir, --context) or NOETL_SERVER_URL / NOETL_DATABASE_URL /
NOETL_DATA_DIR wins over the current context. Tokens are kept in the OS keyring (or a 0600 file
under $XDG_CONFIG_HOME/noetl/secrets where none runs), never in config.yaml.`,
    )
    .addCommand(newContextAddCommand(ctx))
    .addCommand(newContextUseCommand(ctx))
    .addCommand(newContextLsCommand(ctx))
    .addCommand(newContextShowCommand(ctx))
    .addCommand(newContextRmCommand(ctx))
    .addCommand(newContextCurrentCommand(ctx));
}
