// The bundle's entry (dist/noetl.js). Importing it runs nothing: bin/noetl calls run(), which
// binds the command line to this process (argv, stdio, signals, exit); main() runs one command
// line against the IO and environment it is given, so tests and other programs can run the CLI
// in process without touching process-wide state.
import { ExitCode } from './exit-codes.js';
import { main } from './main.js';

export { main };

/**
 * Resolves once everything written to `stream` has reached the reader. A pipe holds 64 KiB:
 * the rest waits in the stream, and process.exit() would drop it.
 */
function drained(stream: NodeJS.WriteStream): Promise<void> {
  if (stream.writableLength === 0) return Promise.resolve();
  return new Promise((resolve) => stream.write('', () => resolve()));
}

/** Runs `process.argv` as a noetl command line in this process, and exits with its code. */
export async function run(): Promise<never> {
  const outputs = [process.stdout, process.stderr];

  // A reader that goes away (`noetl … | head`) is not an error.
  for (const stream of outputs) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(0);
      throw err;
    });
  }

  /** Exits with `code` once every byte written has been read. */
  const exitWhenDrained = async (code: number): Promise<never> => {
    process.exitCode = code;
    await Promise.all(outputs.map(drained));
    // Exit now: a stray keep-alive socket or timer must not hold the command open.
    process.exit(code);
  };

  // Ctrl-C: stop quietly with 130 (a second Ctrl-C while output drains kills at once). On a
  // terminal, end the line the ^C was echoed on.
  process.once('SIGINT', () => {
    if (process.stderr.isTTY) process.stderr.write('\n');
    void exitWhenDrained(ExitCode.interrupted);
  });

  return exitWhenDrained(await main(process.argv.slice(2)));
}
