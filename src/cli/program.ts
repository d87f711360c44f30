import { Command, InvalidArgumentError, Option } from 'commander';
import { checkDuration, durationProblem } from '../core/duration.js';
import type { CommandContext } from './context.js';
import { OUTPUT_FORMATS } from './output.js';
import { VERSION } from './version.js';

/** Other names of nouns (commander aliases), so that they too build only their noun. */
const ALIASES: Record<string, string> = { credentials: 'credential' };

/**
 * The nouns, in the order help lists them, each in its own chunk: a command line that names
 * one loads and builds only that one (`noetl lint` never compiles the keychain's commands).
 */
const NOUNS: Record<string, (ctx: CommandContext, program: Command) => Promise<Command>> = {
  credential: async (ctx) => (await import('./credential/index.js')).newCredentialCommand(ctx),
  keychain: async (ctx) => (await import('./keychain/index.js')).newKeychainCommand(ctx),
  catalog: async (ctx) => (await import('./catalog/index.js')).newCatalogCommand(ctx),
  vars: async (ctx) => (await import('./vars/index.js')).newVarsCommand(ctx),
  cache: async (ctx) => (await import('./cache/index.js')).newCacheCommand(ctx),
  render: async (ctx) => (await import('./render/index.js')).newRenderCommand(ctx),
  lint: async (ctx) => (await import('./lint/index.js')).newLintCommand(ctx),
  db: async (ctx) => (await import('./db/index.js')).newDbCommand(ctx),
  serve: async (ctx) => (await import('./serve/index.js')).newServeCommand(ctx),
  gateway: async (ctx) => (await import('./gateway/index.js')).newGatewayCommand(ctx),
  token: async (ctx) => (await import('./token/index.js')).newTokenCommand(ctx),
  context: async (ctx) => (await import('./context/index.js')).newContextCommand(ctx),
  status: async (ctx) => (await import('./status/index.js')).newStatusCommand(ctx),
  auth: async (ctx) => (await import('./auth/index.js')).newAuthCommand(ctx),
  access: async (ctx) => (await import('./access/index.js')).newAccessCommand(ctx),
  user: async (ctx) => (await import('./user/index.js')).newUserCommand(ctx),
  role: async (ctx) => (await import('./role/index.js')).newRoleCommand(ctx),
  run: async (ctx) => (await import('./run/index.js')).newRunCommand(ctx),
  execution: async (ctx) => (await import('./execution/index.js')).newExecutionCommand(ctx),
  // Completion describes the whole tree, so it is never built alone.
  completion: async (ctx, program) => (await import('./completion/index.js')).newCompletionCommand(ctx, () => program),
};

/**
 * The command tree: the whole of it, or, given the command line, just the noun it names (all
 * commander needs to parse and run it; help for the root and did-you-mean for a mistyped noun
 * get the whole tree). Building only wires flags: every module a command needs at run time is
 * loaded inside its action, so `--help` and `completion` stay fast.
 */
export async function buildProgram(ctx: CommandContext, argv?: string[]): Promise<Command> {
  const program = new Command('noetl')
    .description("Credentials, keychain, caches and execution variables of NoETL's authentication data plane, and a playbook auth linter")
    .version(VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .option('--server <url>', 'a NoETL server to work through (also: NOETL_SERVER_URL, or a context)')
    .option('--token-file <file>', "file holding the server's token, or - for stdin (also: NOETL_TOKEN, or the context's stored token)")
    .option('--context <name>', 'use this context of config.yaml instead of the current one (noetl context ls)')
    .option('--database-url <url>', 'PostgreSQL connection URL (default: the embedded database)')
    .option('--data-dir <dir>', 'embedded database directory (default: $XDG_DATA_HOME/noetl/db)')
    .addOption(new Option('-o, --output <format>', 'output format').choices(OUTPUT_FORMATS).default('table'))
    .option('--no-color', 'never color the output (also: NO_COLOR)')
    .option('-q, --quiet', 'print only data and errors')
    .option('--verbose', 'say more about what is done')
    .addOption(new Option('--lock-timeout <duration>', 'how long to wait for another process on the embedded database').default(30, '30s').argParser(parseLockTimeout))
    .option('--key-file <path>', 'file holding the base64 master key (also: NOETL_ENCRYPTION_KEY_FILE)')
    .option('--require-sealed', 'refuse stored rows that are not sealed (legacy plaintext) instead of reading them with a warning (also: NOETL_REQUIRE_SEALED=1, require_sealed: true in config.yaml)')
    .option('--allow-new-key', 'write with a master key that opens none of the sealed records already stored')
    .option('--strict', 'refuse unknown keys in config.yaml instead of warning (also: strict: true in it)');

  program.addHelpText(
    'after',
    `
Examples:
  $ noetl db migrate
  $ noetl credential add pg_prod --type postgres --data @pg_prod.json
  $ noetl keychain ls --playbook integrations/travel_booking
  $ noetl lint playbooks/

Exit codes: 0 ok, 1 failure, 2 usage or invalid input, 3 not found, 4 conflict or locked, 5 expired.
Backend: --server, --database-url, --data-dir or --context (one), else NOETL_SERVER_URL, NOETL_DATABASE_URL or
  NOETL_DATA_DIR, else the current context (noetl context use), else PG* or config.yaml, else the embedded database.
Environment: NOETL_SERVER_URL, NOETL_TOKEN, NOETL_DATABASE_URL, NOETL_DATA_DIR, NOETL_SCHEMA, NOETL_ENCRYPTION_KEY, NOETL_ENCRYPTION_KEY_FILE,
  NOETL_ENCRYPTION_KEY_PREVIOUS, NOETL_KEYRING, NOETL_REQUIRE_SEALED, NO_COLOR, NOETL_DEBUG.`,
  );
  const noun = argv === undefined ? undefined : nounOf(program, argv);
  const names = noun !== undefined && noun !== 'completion' ? [noun] : Object.keys(NOUNS);
  for (const command of await Promise.all(names.map((name) => NOUNS[name](ctx, program)))) program.addCommand(command);
  showGlobalOptionsEverywhere(program);
  return program;
}

/** The first word of `argv` that is not a root option or its value, when it names a noun. */
function nounOf(program: Command, argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') return undefined;
    if (!arg.startsWith('-') || arg === '-') {
      const noun = Object.hasOwn(ALIASES, arg) ? ALIASES[arg] : arg;
      return Object.hasOwn(NOUNS, noun) ? noun : undefined;
    }
    const option = program.options.find((o) => o.long === arg || o.short === arg);
    if (option?.required || option?.optional) i++;
  }
  return undefined;
}

/** Commander does not pass help settings down to commands added with addCommand. */
function showGlobalOptionsEverywhere(command: Command): void {
  command.configureHelp({ showGlobalOptions: true });
  for (const sub of command.commands) showGlobalOptionsEverywhere(sub);
}

/** --lock-timeout: a duration, where 0 (`0`, `0s`, …) means do not wait. */
function parseLockTimeout(value: string): number {
  const checked = checkDuration(value, { allowZero: true });
  if ('problem' in checked) throw new InvalidArgumentError(checked.problem === 'too-long' ? durationProblem(checked.problem) : 'expected a duration such as 30s, 2m or 0');
  return checked.seconds;
}
