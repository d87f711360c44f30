import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { noetlBin, repoRoot } from './cli.js';

/** Whether `script` (util-linux) is here to make a pseudo-terminal; tests that need one skip without it. */
export const canMakeTerminal = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;

export interface TerminalRun {
  /** What the terminal showed (stdout and stderr together), with LF line ends. */
  screen: string;
  /** noetl's exit code, or null when a signal killed it. */
  code: number | null;
  signal: string | null;
}

/** Keys to type once the screen, since the previous step's keys were typed, matches `after`. */
export interface TerminalStep {
  after: RegExp;
  keys: string;
}

/**
 * Runs the built CLI on a pseudo-terminal `columns` wide; when the screen matches `typeAfter`,
 * types `keys` (`\x03` is Ctrl-C), or goes through `steps` one by one. Reports whether noetl
 * exited, and with what, or was killed.
 */
export function runCliOnTerminal(
  args: string[],
  env: NodeJS.ProcessEnv,
  options: { columns?: number; typeAfter?: RegExp; keys?: string; steps?: TerminalStep[] } = {},
): Promise<TerminalRun> {
  const steps = [...(options.steps ?? (options.typeAfter ? [{ after: options.typeAfter, keys: options.keys ?? '' }] : []))];
  const runner = join(repoRoot, 'test', 'foundation', 'fixtures', 'terminal-run.mjs');
  const command = `stty cols ${options.columns ?? 100} rows 50; exec '${process.execPath}' '${runner}' '${noetlBin}'`;
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], { env: { ...env, NOETL_TERMINAL_ARGS: JSON.stringify(args) }, cwd: repoRoot });
    let screen = '';
    let since = 0;
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      screen += d;
      if (steps.length > 0 && steps[0].after.test(screen.slice(since))) {
        since = screen.length;
        child.stdin.write(steps.shift()!.keys);
      }
    });
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      const ended = /noetl-ended code=(\S+) signal=(\S+)/.exec(screen);
      if (!ended) return reject(new Error(`noetl did not end on the terminal:\n${screen}`));
      const code = ended[1] === 'null' ? null : Number(ended[1]);
      resolve({ screen: screen.slice(0, ended.index).replace(/\r\n/g, '\n'), code, signal: ended[2] === 'null' ? null : ended[2] });
    });
  });
}

/** The terminal cells a line takes: the wide East Asian characters the tests use take two. */
export function terminalCells(line: string): number {
  return [...line].reduce((n, c) => n + (/[\u3000-\u30ff\u4e00-\u9fff]/.test(c) ? 2 : 1), 0);
}
