import { Readable } from 'node:stream';
import type { IO } from '../../src/cli/io.js';

export interface MemIO {
  io: IO;
  stdout(): string;
  stderr(): string;
}

/** An in-memory IO: captured stdout/stderr, stdin from a string, TTY flags as asked, `cwd` (default: the process's). */
export function memIO(options: { stdin?: string; tty?: boolean; color?: boolean; cwd?: string } = {}): MemIO {
  let out = '';
  let err = '';
  const tty = options.tty ?? false;
  const io: IO = {
    stdout: { write: (chunk: string) => (out += chunk) },
    stderr: { write: (chunk: string) => (err += chunk) },
    stdin: Readable.from(options.stdin === undefined ? [] : [Buffer.from(options.stdin)]),
    stdoutIsTTY: tty,
    stderrIsTTY: tty,
    stdinIsTTY: tty,
    color: options.color ?? false,
    cwd: options.cwd ?? process.cwd(),
  };
  return { io, stdout: () => out, stderr: () => err };
}
