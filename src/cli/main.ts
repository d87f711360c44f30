import { Command, CommanderError } from 'commander';
import { NoetlError, systemError } from '../core/errors.js';
import { CommandExit, EXIT_CODE_OF, ExitCode, InterruptedError } from './exit-codes.js';
import { processIO, type IO } from './io.js';
import { escapeControls, guardTerminal } from './output.js';
import { buildProgram } from './program.js';
import { commandPath, RunContext } from './run-context.js';

/** Commander's own exits that are not usage errors. */
const CLEAN_EXITS = new Set(['commander.helpDisplayed', 'commander.version']);

/**
 * Runs one command line and returns the exit code. Errors become one line on stderr
 * (`error: …`, control characters escaped); a stack trace only with NOETL_DEBUG=1.
 * Everything it reads and writes goes through `io` and `env` (the process's own by default),
 * so a program can run a command line in process: nothing process-wide is set or read.
 */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env, io?: IO): Promise<number> {
  const noColor = argv.includes('--no-color');
  const runIO = guardTerminal(io ?? processIO(env, noColor));
  let ctx: RunContext;
  try {
    ctx = new RunContext(runIO, env);
  } catch (err) {
    return report(err, runIO, env);
  }
  const program = await buildProgram(ctx, argv);
  ctx.attach(program);
  configureTree(program, runIO);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return ctx.pendingExitCode;
  } catch (err) {
    return report(err, runIO, env);
  } finally {
    await ctx.close();
  }
}

/** Settings commander does not pass down to commands added with addCommand. */
function configureTree(command: Command, io: IO): void {
  command
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      // Commander's "error: …\n(Did you mean …?)" becomes one line with a pointer to --help.
      outputError: (s, write) => write(escapeControls(oneLine(s, command)) + '\n'),
    });
  for (const sub of command.commands) configureTree(sub, io);
}

function oneLine(message: string, command: Command): string {
  const text = message
    .trim()
    .replace(/\s*\n\s*\(Did you mean (.+?)\?\)/, ' (did you mean $1?)')
    .replace(/\s*\n\s*/g, '; ')
    // Commander's "argument 'x' is invalid. is not a duration…" reads as one clause; no full stop before our "; see".
    .replace(/ is invalid\. (?=is |must )/, ' ')
    .replace(/ is invalid\. (?=[a-z])/, ' is invalid: ')
    .replace(/\.$/, '');
  return `${text}; see '${commandPath(command)} --help'`;
}

function report(err: unknown, io: IO, env: NodeJS.ProcessEnv): number {
  if (err instanceof CommanderError) {
    if (CLEAN_EXITS.has(err.code)) return ExitCode.ok;
    // Help shown for a bare command group, or a usage error commander already printed.
    return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  }
  if (err instanceof InterruptedError) return ExitCode.interrupted;
  const debug = env.NOETL_DEBUG === '1';
  if (err instanceof CommandExit) {
    io.stderr.write(`error: ${escapeControls(err.message)}\n`);
    return err.exitCode;
  }
  const known = err instanceof NoetlError ? err : systemError(err);
  if (known) {
    io.stderr.write(`error: ${escapeControls(errorLine(known))}\n`);
    if (debug && err instanceof Error && err.stack) io.stderr.write(err.stack + '\n');
    return EXIT_CODE_OF[known.code];
  }
  const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
  io.stderr.write(`error: ${escapeControls(message)} (this is a bug in noetl; run with NOETL_DEBUG=1 for details)\n`);
  if (debug && err instanceof Error && err.stack) io.stderr.write(err.stack + '\n');
  return ExitCode.failure;
}

/** The message with its hint rendered for a terminal: `…: use --replace to overwrite it`. */
export function errorLine(err: NoetlError): string {
  const { hint } = err;
  if (!hint) return err.message;
  const action = hint.option ? `use --${hint.option}` : hint.command ? `run \`noetl ${hint.command}\`` : '';
  const advice = [action, hint.text].filter(Boolean).join(' ');
  return advice ? `${err.message}: ${advice}` : err.message;
}
