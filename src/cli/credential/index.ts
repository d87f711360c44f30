import { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { newAddCommand } from './add.js';
import { newGetCommand } from './get.js';
import { newKeyStatusCommand } from './key-status.js';
import { newLsCommand } from './ls.js';
import { newRmCommand } from './rm.js';
import { newRotateKeyCommand } from './rotate-key.js';
import { newValidateCommand } from './validate.js';

export function newCredentialCommand(ctx: CommandContext): Command {
  return new Command('credential')
    .alias('credentials')
    .description('Register, read, validate and rotate stored credentials (sealed at rest, NoETL-compatible)')
    .addHelpText(
      'after',
      `
Examples:
  $ noetl credential add pg_prod --type postgres --data @pg_prod.json
  $ noetl credential add -f credentials/
  $ noetl credential get pg_prod --field db_password --reveal
  $ noetl credential ls --type postgres
  $ noetl credential rotate-key --new-key-file new.key

Master key: NOETL_ENCRYPTION_KEY (base64 of 32 bytes), --key-file / NOETL_ENCRYPTION_KEY_FILE, or the OS keyring;
the embedded database generates one on first use. NOETL_KEYRING=off skips the OS keyring.`,
    )
    .addCommand(newAddCommand(ctx))
    .addCommand(newGetCommand(ctx))
    .addCommand(newLsCommand(ctx))
    .addCommand(newRmCommand(ctx))
    .addCommand(newValidateCommand(ctx))
    .addCommand(newRotateKeyCommand(ctx))
    .addCommand(newKeyStatusCommand(ctx));
}
