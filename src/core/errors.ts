/**
 * The one error taxonomy of noetl, transport-neutral: the CLI maps `code` to an exit code
 * (src/cli/exit-codes.ts), the server to an HTTP status. Anything thrown that is not a
 * NoetlError is a bug and is reported as such.
 */
export type ErrorCode = 'invalid' | 'unauthenticated' | 'forbidden' | 'not_found' | 'conflict' | 'expired' | 'unavailable' | 'internal';

export const ERROR_CODES: readonly ErrorCode[] = ['invalid', 'unauthenticated', 'forbidden', 'not_found', 'conflict', 'expired', 'unavailable', 'internal'];

/**
 * What the user can do about an error, as data: the CLI renders `option` as a flag
 * (`use --replace`) and `command` as `noetl …`; a server returns it as it is.
 */
export interface ErrorHint {
  /** An option of the same operation that changes the outcome, without dashes: `replace`, `scope`. */
  option?: string;
  /** A noetl command to run, without `noetl`: `credential rotate-key`. */
  command?: string;
  /** Free text, no flag or command in it: `to overwrite it`. */
  text?: string;
}

export interface NoetlErrorOptions {
  hint?: ErrorHint;
  /** Lines that explain the message (per-field problems in the seeds' wording); never a value. */
  details?: string[];
  /** A machine-readable sub-code for callers that tell errors apart (`invalid-id`, `syntax`, `renew-failed`). */
  reason?: string;
  /** Warnings gathered before the failure (a plaintext renew_config was used), to show with it. */
  warnings?: string[];
  cause?: unknown;
}

/** An error meant for the user: one line saying what failed; what to do as a hint. */
export class NoetlError extends Error {
  readonly hint?: ErrorHint;
  readonly details: string[];
  readonly reason?: string;
  readonly warnings: string[];

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: NoetlErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'NoetlError';
    this.hint = options.hint;
    this.details = options.details ?? [];
    this.reason = options.reason;
    this.warnings = options.warnings ?? [];
  }
}

export const invalidError = (message: string, options?: NoetlErrorOptions) => new NoetlError('invalid', message, options);
export const notFoundError = (message: string, options?: NoetlErrorOptions) => new NoetlError('not_found', message, options);
export const conflictError = (message: string, options?: NoetlErrorOptions) => new NoetlError('conflict', message, options);
export const unavailableError = (message: string, options?: NoetlErrorOptions) => new NoetlError('unavailable', message, options);

/** True for a NoetlError with this reason (`isReason(err, 'syntax')`). */
export function hasReason(err: unknown, reason: string): err is NoetlError {
  return err instanceof NoetlError && err.reason === reason;
}

/** Operating-system error codes a user can cause and fix: what each means, what to do, and the error code. */
const SYSTEM_ERRORS: Record<string, { means: string; fix: string; code: ErrorCode }> = {
  ENOENT: { means: 'no such file or directory', fix: 'check the path', code: 'not_found' },
  ENOTDIR: { means: 'a part of the path is not a directory', fix: 'check the path', code: 'invalid' },
  EISDIR: { means: 'is a directory', fix: 'give a file', code: 'invalid' },
  EACCES: { means: 'permission denied', fix: 'check its owner and mode', code: 'invalid' },
  EPERM: { means: 'operation not permitted', fix: 'check its owner and mode', code: 'invalid' },
  ELOOP: { means: 'too many levels of symbolic links', fix: 'check the links for a loop', code: 'invalid' },
  ENAMETOOLONG: { means: 'file name too long', fix: 'use a shorter path', code: 'invalid' },
  EROFS: { means: 'read-only file system', fix: 'choose a writable place', code: 'invalid' },
  ENOSPC: { means: 'no space left on device', fix: 'free some space and retry', code: 'unavailable' },
  EDQUOT: { means: 'disk quota exceeded', fix: 'free some space and retry', code: 'unavailable' },
  EMFILE: { means: 'too many open files', fix: 'raise the limit (ulimit -n) and retry', code: 'unavailable' },
  ENFILE: { means: 'too many open files in the system', fix: 'retry later', code: 'unavailable' },
  EIO: { means: 'input/output error', fix: 'check the device', code: 'unavailable' },
};

/**
 * A file-system error that reached the top (`EISDIR`, `EACCES`, `ENOENT`, …) as the one line a
 * user can act on (`cannot open /x: is a directory (EISDIR): give a file`), `invalid` (`not_found` for a
 * missing file, `unavailable` for a full disk and the like); undefined for anything else, which is a bug.
 */
export function systemError(err: unknown): NoetlError | undefined {
  if (!(err instanceof Error)) return undefined;
  const { code, syscall, path } = err as NodeJS.ErrnoException;
  const known = code === undefined ? undefined : SYSTEM_ERRORS[code];
  if (!known || typeof syscall !== 'string') return undefined;
  const what = typeof path === 'string' ? `${syscall} ${path}` : syscall;
  return new NoetlError(known.code, `cannot ${what}: ${known.means} (${code}): ${known.fix}`, { reason: code });
}
