/**
 * V8's optimizing compiler (TurboFan) costs more than it saves on a short lint run: on the
 * upstream corpus (98 files, 0.8 MB) it compiles the YAML parser and the rules for about a third
 * of the run's CPU, code that then runs only a few more times (`noetl lint` on the corpus, 2 cores:
 * 880 ms CPU with it, 490 ms without). So the lint command of a noetl process holds it off until
 * it has linted OPTIMIZE_AFTER_CHARS of text, where it starts to pay.
 *
 * V8's flags are the whole process's: only the process itself may change them. entry.ts (the
 * process, `bin/noetl`) grants it with allowOptimizerDeferral(); main() run in process by tests
 * or another program never does, so lintPaths, runLint and `main(['lint', …])` there change nothing.
 * This module imports nothing (entry.ts loads it on every start); the lint run passes node:v8's
 * setFlagsFromString in.
 */

/** Text linted before the optimizing compiler is turned back on (a run larger than the corpus then pays for it). */
const OPTIMIZE_AFTER_CHARS = 1_000_000;

let granted = false;

/**
 * Called by the process (entry.ts) with its own V8 options: lint may then defer the optimizing
 * compiler, unless the user chose how V8 optimizes (node --no-turbofan, --jitless, …).
 */
export function allowOptimizerDeferral(execArgv: readonly string[], nodeOptions: string): void {
  granted = ![...execArgv, ...nodeOptions.split(/\s+/)].some((a) => /^--(no-)?(turbofan|opt|jitless|max-opt)\b/.test(a));
}

export interface OptimizerHold {
  /** This thread linted `chars` more characters. */
  linted(chars: number): void;
  /** Turns the optimizing compiler back on (idempotent); call in a finally. */
  release(): void;
}

/** Holds the optimizing compiler off, when the process granted it; else a hold that does nothing. */
export function holdOptimizer(setFlagsFromString: (flags: string) => void): OptimizerHold {
  if (!granted) return { linted: () => undefined, release: () => undefined };
  // One hold per grant: the process runs one command line.
  granted = false;
  setFlagsFromString('--no-turbofan');
  let remaining = OPTIMIZE_AFTER_CHARS;
  let held = true;
  const release = () => {
    if (held) setFlagsFromString('--turbofan');
    held = false;
  };
  return {
    linted: (chars) => {
      remaining -= chars;
      if (remaining <= 0) release();
    },
    release,
  };
}
