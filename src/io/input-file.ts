/**
 * Reading an input file with a size limit checked while reading (a 200 MB file, or /dev/zero,
 * is never read whole), and OS errors turned into one line: a missing file exits 3, a
 * directory or an unreadable file 2. The CLI and the library's file readers share it.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { NoetlError } from '../core/errors.js';

/** The limit of every text input the CLI reads (a file or stdin), unless it says otherwise (README "Input limits"). */
export const MAX_INPUT_BYTES = 4 * 1024 * 1024;

/** `4 MiB`, `4 KiB`, `512 bytes`. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

/** `what` is larger than `limit` (exit 2). */
export function inputTooLarge(what: string, limit: number): NoetlError {
  return new NoetlError('invalid', `${what} is larger than ${formatBytes(limit)}, the limit for this input: nothing was read`);
}

/** One line for an OS error while opening or reading `what`: 3 for a missing file, 2 when the path is not a readable file. */
export function fileReadError(err: unknown, what: string): NoetlError {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return new NoetlError('not_found', `cannot read ${what}: no such file`);
    case 'EISDIR':
      return isDirectoryError(what);
    case 'EACCES':
    case 'EPERM':
      return new NoetlError('invalid', `cannot read ${what}: permission denied; check the file's owner and mode`);
    case 'ELOOP':
      return new NoetlError('invalid', `cannot read ${what}: too many levels of symbolic links`);
    default:
      return new NoetlError('unavailable', `cannot read ${what}: ${code ?? (err as Error).message}`);
  }
}

function isDirectoryError(what: string): NoetlError {
  return new NoetlError('invalid', `cannot read ${what}: it is a directory; give a file`);
}

/** A file's text, refused (exit 2) beyond `limit` bytes; `what` names it in errors, e.g. `t.yaml (--data)`. */
export function readInputFile(path: string, what: string, limit = MAX_INPUT_BYTES): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw fileReadError(err, what);
  }
  try {
    // A directory opens fine on Linux and fails only at the first read.
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw isDirectoryError(what);
    // One byte more than the limit tells a file of exactly `limit` bytes from a larger one. The
    // buffer starts at the file's size (plus that byte): one read for a regular file, no 64 KiB
    // buffer per small file (a lint run reads hundreds); a file that grows, or a device that
    // reports size 0 (/dev/zero, a pipe), grows it by doubling up to the limit.
    let buffer = Buffer.allocUnsafe(Math.min(Math.max(stat.size + 1, 1024), limit + 1));
    let total = 0;
    for (;;) {
      if (total === buffer.length) {
        if (total > limit) throw inputTooLarge(what, limit);
        const larger = Buffer.allocUnsafe(Math.min(buffer.length * 2, limit + 1));
        buffer.copy(larger, 0, 0, total);
        buffer = larger;
      }
      let read: number;
      try {
        read = readSync(fd, buffer, total, buffer.length - total, null);
      } catch (err) {
        throw fileReadError(err, what);
      }
      if (read === 0) break;
      total += read;
    }
    if (total > limit) throw inputTooLarge(what, limit);
    return buffer.toString('utf8', 0, total);
  } finally {
    closeSync(fd);
  }
}
