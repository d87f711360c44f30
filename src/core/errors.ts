/** Exit codes shared by every command (DESIGN.md, "Conventions"); errors that carry one. The store and the commands both throw them, so they live in core. */
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

/**
 * An error meant for the user: one line saying what failed and what to do.
 * Anything thrown that is not a CliError is a bug and is reported as such.
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = ExitCode.failure,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export const usageError = (message: string) => new CliError(message, ExitCode.usage);
export const notFoundError = (message: string) => new CliError(message, ExitCode.notFound);
export const conflictError = (message: string) => new CliError(message, ExitCode.conflict);

/** The user pressed Ctrl-C; main exits 130 and prints nothing. */
export class InterruptedError extends CliError {
  constructor() {
    super('interrupted', ExitCode.interrupted);
    this.name = 'InterruptedError';
  }
}
