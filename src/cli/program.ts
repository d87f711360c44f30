import { Command, InvalidArgumentError, Option } from 'commander';
import { parseDuration } from '../core/duration.js';
import type { CommandContext } from './context.js';
import { newCompletionCommand } from './completion/index.js';
import { newDbCommand } from './db/index.js';
import { newCredentialCommand } from './credential/index.js';
import { newVarsCommand } from './vars/index.js';
import { newCacheCommand } from './cache/index.js';
import { newRenderCommand } from './render/index.js';
import { newCatalogCommand } from './catalog/index.js';
import { newKeychainCommand } from './keychain/index.js';
import { newLintCommand } from './lint/index.js';
import { OUTPUT_FORMATS } from './output.js';
import { VERSION } from './version.js';

/**
 * The whole command tree. Building it only wires flags: every module a command needs at
 * run time is loaded inside its action, so `--help`, `--version` and `completion` stay fast.
 */
export function buildProgram(ctx: CommandContext): Command {
  const program = new Command('noetl')
    .description("Credentials, keychain, caches and execution variables of NoETL's authentication data plane, and a playbook auth linter")
    .version(VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .option('--database-url <url>', 'PostgreSQL connection URL (default: the embedded database)')
    .option('--data-dir <dir>', 'embedded database directory (default: $XDG_DATA_HOME/noetl/db)')
    .addOption(new Option('-o, --output <format>', 'output format').choices(OUTPUT_FORMATS).default('table'))
    .option('--no-color', 'never color the output (also: NO_COLOR)')
    .option('-q, --quiet', 'print only data and errors')
    .option('--verbose', 'say more about what is done')
    .addOption(new Option('--lock-timeout <duration>', 'how long to wait for another process on the embedded database').default(30, '30s').argParser(parseLockTimeout))
    .option('--key-file <path>', 'file holding the base64 master key (also: NOETL_ENCRYPTION_KEY_FILE)')
    .showSuggestionAfterError(true);

  program.addHelpText(
    'after',
    `
Examples:
  $ noetl db migrate
  $ noetl credential add pg_prod --type postgres --data @pg_prod.json
  $ noetl keychain ls --playbook integrations/travel_booking
  $ noetl lint playbooks/

Exit codes: 0 ok, 1 failure, 2 usage or invalid input, 3 not found, 4 conflict or locked, 5 expired.
Environment: NOETL_DATABASE_URL, NOETL_DATA_DIR, NOETL_SCHEMA, NOETL_ENCRYPTION_KEY, NOETL_ENCRYPTION_KEY_FILE,
  NOETL_ENCRYPTION_KEY_PREVIOUS, NOETL_KEYRING, NO_COLOR, NOETL_DEBUG.`,
  );
  program.addCommand(newCredentialCommand(ctx));
  program.addCommand(newKeychainCommand(ctx));
  program.addCommand(newCatalogCommand(ctx));
  program.addCommand(newVarsCommand(ctx));
  program.addCommand(newCacheCommand(ctx));
  program.addCommand(newRenderCommand(ctx));
  program.addCommand(newLintCommand(ctx));
  program.addCommand(newDbCommand(ctx));
  program.addCommand(newCompletionCommand(ctx, () => program));
  showGlobalOptionsEverywhere(program);
  return program;
}

/** Commander does not pass help settings down to commands added with addCommand. */
function showGlobalOptionsEverywhere(command: Command): void {
  command.configureHelp({ showGlobalOptions: true });
  for (const sub of command.commands) showGlobalOptionsEverywhere(sub);
}

function parseLockTimeout(value: string): number {
  const seconds = value === '0' ? 0 : parseDuration(value);
  if (seconds === undefined) throw new InvalidArgumentError('expected a duration such as 30s, 2m or 0');
  return seconds;
}
