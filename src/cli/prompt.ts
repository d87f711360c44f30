/**
/**
 * Questions on the terminal. The confirmation every destructive command uses: --yes goes
 * ahead; on a terminal the question is asked (default no) and a no is exit 1; with no
 * terminal to ask on it refuses with exit 2 (CONTRIBUTING.md, "Conventions"). And the hidden
 * prompt for secrets. Ctrl-C at either exits 130.
 */
import { NoetlError, invalidError } from '../core/errors.js';
import { InterruptedError } from './exit-codes.js';
import type { IO } from './io.js';
import { escapeControls, terminalStream } from './output.js';

/** Whether a question can be asked: typed on stdin and seen on stderr. */
function canAsk(io: IO): boolean {
  return io.stdinIsTTY && io.stderrIsTTY;
}

/**
 * Refuses (exit 2) when --yes is missing and nothing can be asked; `action` says what, e.g.
 * "deleting credential 'x'". Commands call it before opening anything.
 */
export function requireYesOffTerminal(io: IO, yes: boolean, action: string): void {
  if (!yes && !canAsk(io)) throw invalidError(`${action} needs confirmation: add --yes (stdin is not a terminal)`);
}

/** One line typed on stdin after `question` on stderr, echoed as typed; end of input (Ctrl-D) is an empty answer. */
async function askLine(io: IO, question: string): Promise<string> {
  const { createInterface } = await import('node:readline/promises');
  // terminal: false leaves the line editing (and Ctrl-C, a SIGINT) to the terminal itself.
  const rl = createInterface({ input: io.stdin, output: io.stderr as NodeJS.WritableStream, terminal: false });
  // question() never settles when the input ends first.
  const ended = new Promise<string>((resolve) => rl.once('close', () => resolve('')));
  try {
    return await Promise.race([rl.question(question), ended]);
  } finally {
    rl.close();
  }
}

/** A y/N question on stderr, answered on stdin; anything but y/yes is no, and so is end of input (Ctrl-D). */
async function askYesNo(io: IO, question: string): Promise<boolean> {
  return /^y(es)?$/i.test((await askLine(io, `${question} [y/N] `)).trim());
}

/** A prompt whose answer is shown as it is typed (a host, a port, a user name): never for a secret. */
export function askVisible(io: IO, message: string): Promise<string> {
  return askLine(io, `${message} `).then((answer) => answer.trim());
}

/** A hidden prompt on the terminal (typed on stdin, drawn on stderr); Ctrl-C is an InterruptedError. */
export async function askHidden(io: IO, message: string): Promise<string> {
  const { default: password } = await import('@inquirer/password');
  try {
    // The prompt draws with escape sequences of its own, so it gets the terminal itself, and the message escaped.
    return await password({ message: escapeControls(message), mask: false }, { input: io.stdin, output: terminalStream(io.stderr) as NodeJS.WritableStream });
  } catch (err) {
    if (err instanceof Error && err.name === 'ExitPromptError') throw new InterruptedError();
    throw err;
  }
}

interface ConfirmRequest {
  /** --yes was given: nothing is asked. */
  yes: boolean;
  question: string;
  /** What is about to happen, for the refusal off a terminal: "deleting credential 'x'". */
  action: string;
  /** What stays as it was when the answer is no, e.g. "credential 'x' not deleted". */
  declined: string;
  /** Asks the question; the terminal by default (tests pass their own). */
  ask?(question: string): Promise<boolean>;
}

/** Returns to go ahead with a destructive change (--yes, or a yes on the terminal); a no throws `declined: not confirmed`, exit 1. */
export async function confirmDestructive(io: IO, request: ConfirmRequest): Promise<void> {
  if (request.yes) return;
  requireYesOffTerminal(io, false, request.action);
  const confirmed = await (request.ask ?? ((q: string) => askYesNo(io, q)))(request.question);
  if (!confirmed) throw new NoetlError('unavailable', `${request.declined}: not confirmed`);
}
