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

/** Operating-system error codes a user can cause and fix: what each means, what to do, and the exit code. */
const SYSTEM_ERRORS: Record<string, { means: string; fix: string; exitCode: number }> = {
  ENOENT: { means: 'no such file or directory', fix: 'check the path', exitCode: ExitCode.notFound },
  ENOTDIR: { means: 'a part of the path is not a directory', fix: 'check the path', exitCode: ExitCode.usage },
  EISDIR: { means: 'is a directory', fix: 'give a file', exitCode: ExitCode.usage },
  EACCES: { means: 'permission denied', fix: 'check its owner and mode', exitCode: ExitCode.usage },
  EPERM: { means: 'operation not permitted', fix: 'check its owner and mode', exitCode: ExitCode.usage },
  ELOOP: { means: 'too many levels of symbolic links', fix: 'check the links for a loop', exitCode: ExitCode.usage },
  ENAMETOOLONG: { means: 'file name too long', fix: 'use a shorter path', exitCode: ExitCode.usage },
  EROFS: { means: 'read-only file system', fix: 'choose a writable place', exitCode: ExitCode.usage },
  ENOSPC: { means: 'no space left on device', fix: 'free some space and retry', exitCode: ExitCode.failure },
  EDQUOT: { means: 'disk quota exceeded', fix: 'free some space and retry', exitCode: ExitCode.failure },
  EMFILE: { means: 'too many open files', fix: 'raise the limit (ulimit -n) and retry', exitCode: ExitCode.failure },
  ENFILE: { means: 'too many open files in the system', fix: 'retry later', exitCode: ExitCode.failure },
  EIO: { means: 'input/output error', fix: 'check the device', exitCode: ExitCode.failure },
};

/**
 * A file-system error that reached the top (`EISDIR`, `EACCES`, `ENOENT`, …) as the one line a
 * user can act on (`cannot open /x: is a directory (EISDIR): give a file`), with exit 2 (3 for a
 * missing file, 1 for a full disk and the like); undefined for anything else, which is a bug.
 */
export function systemError(err: unknown): CliError | undefined {
  if (!(err instanceof Error)) return undefined;
  const { code, syscall, path } = err as NodeJS.ErrnoException;
  const known = code === undefined ? undefined : SYSTEM_ERRORS[code];
  if (!known || typeof syscall !== 'string') return undefined;
  const what = typeof path === 'string' ? `${syscall} ${path}` : syscall;
  return new CliError(`cannot ${what}: ${known.means} (${code}): ${known.fix}`, known.exitCode);
}
