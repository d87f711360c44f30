import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { CliError, ExitCode } from '../core/errors.js';

/** What a command reads and writes; tests pass an in-memory one (see test/helpers/io.ts). */
export interface IO {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
  stdin: Readable;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  stdinIsTTY: boolean;
  /** Color on stdout/stderr: only on a TTY, never with NO_COLOR or --no-color. */
  color: boolean;
}

export function processIO(env: NodeJS.ProcessEnv = process.env, noColorFlag = false): IO {
  const stdoutIsTTY = Boolean(process.stdout.isTTY);
  const stderrIsTTY = Boolean(process.stderr.isTTY);
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    stdoutIsTTY,
    stderrIsTTY,
    stdinIsTTY: Boolean(process.stdin.isTTY),
    color: colorEnabled(stdoutIsTTY, env, noColorFlag),
  };
}

export function colorEnabled(isTTY: boolean, env: NodeJS.ProcessEnv, noColorFlag: boolean): boolean {
  if (noColorFlag) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return isTTY;
}

/** Reads all of a stream as UTF-8 text. */
export async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** A file's text; a missing file exits 3, any other read error 1, as `cannot read <what>: <code>`. */
export async function readTextFile(path: string, what = path): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CliError(`cannot read ${what}: ${code ?? (err as Error).message}`, code === 'ENOENT' ? ExitCode.notFound : ExitCode.failure);
  }
}

/** The text behind `-` (stdin) or `@FILE`; undefined when `spec` is neither, for the caller to judge. */
export async function readInputSpec(spec: string, flag: string, io: IO): Promise<string | undefined> {
  if (spec === '-') return readAll(io.stdin);
  if (spec.startsWith('@')) {
    const path = spec.slice(1);
    return readTextFile(path, `${flag} file ${path}`);
  }
  return undefined;
}
