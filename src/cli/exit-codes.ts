import type { ErrorCode } from '../core/errors.js';

/** Exit codes shared by every command (DESIGN.md, "Conventions"). */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  notFound: 3,
  conflict: 4,
  expired: 5,
  /** Ctrl-C (SIGINT, or at a prompt): stopped quietly, as a shell reports a SIGINT. */
  interrupted: 130,
} as const;

/** The one place an error code becomes an exit code. */
export const EXIT_CODE_OF: Record<ErrorCode, number> = {
  invalid: ExitCode.usage,
  unauthenticated: ExitCode.failure,
  forbidden: ExitCode.failure,
  not_found: ExitCode.notFound,
  conflict: ExitCode.conflict,
  expired: ExitCode.expired,
  unavailable: ExitCode.failure,
  internal: ExitCode.failure,
};

/** The error code a command's own exit code stands for, for the few places a CLI decides one. */
export function errorCodeOfExit(exitCode: number): ErrorCode {
  const found = (Object.entries(EXIT_CODE_OF) as [ErrorCode, number][]).find(([, exit]) => exit === exitCode);
  return found ? found[0] : 'unavailable';
}

/** The user pressed Ctrl-C; main exits 130 and prints nothing. */
export class InterruptedError extends Error {
  constructor() {
    super('interrupted');
    this.name = 'InterruptedError';
  }
}

/** A failure whose exit code the command decides itself (lint's "could not run" is 3). */
export class CommandExit extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'CommandExit';
  }
}
