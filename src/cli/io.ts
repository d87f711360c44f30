import type { Readable } from 'node:stream';
import { invalidError } from '../core/errors.js';
import { inputTooLarge, MAX_INPUT_BYTES, readInputFile } from '../io/input-file.js';

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
  /** The working directory `lint` resolves its paths and config files against (the process's own by default). */
  cwd: string;
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
    cwd: process.cwd(),
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

/** Stdin as UTF-8 text, refused (exit 2) once more than `limit` bytes have arrived: reading stops there. */
export async function readStdin(io: IO, what: string, limit = MAX_INPUT_BYTES): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of io.stdin) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    total += bytes.length;
    // Leaving the loop destroys the stream: the rest is never read.
    if (total > limit) throw inputTooLarge(what, limit);
    chunks.push(bytes);
  }
  return Buffer.concat(chunks, total).toString('utf8');
}

/**
 * A file's text, at most MAX_INPUT_BYTES: a missing file exits 3; a directory, an unreadable
 * file or one over the limit exit 2, each as one line naming `what`.
 */
export async function readTextFile(path: string, what = path): Promise<string> {
  return readInputFile(path, what);
}

/**
 * The text behind `-` (stdin, refused when it is a terminal) or `@FILE`, at most
 * MAX_INPUT_BYTES; undefined when `spec` is neither, for the caller to judge.
 */
export async function readInputSpec(spec: string, flag: string, io: IO): Promise<string | undefined> {
  if (spec === '-') {
    if (io.stdinIsTTY) throw invalidError(`${flag} - reads stdin, but stdin is a terminal: pipe the data in, or give ${flag} @FILE`);
    return readStdin(io, `${flag} - (stdin)`);
  }
  if (spec.startsWith('@')) {
    const path = spec.slice(1);
    if (path === '') throw invalidError(`${flag} @ names no file: give ${flag} @FILE`);
    return readInputFile(path, `${path} (${flag})`);
  }
  return undefined;
}

/**
 * A JSON or YAML object from `@FILE` (.json/.yaml/.yml by its name, else by its content) or
 * `-` (stdin), for input that may hold secrets: a value on the command line is refused, since
 * it leaks into shell history and `ps`. The value is never echoed, not even in errors.
 */
export async function readObjectInput(spec: string, flag: string, io: IO): Promise<Record<string, unknown>> {
  const text = await readInputSpec(spec, flag, io);
  if (text === undefined) {
    throw invalidError(
      `refusing ${flag} given inline: command-line arguments leak into shell history and \`ps\`; put it in a file and pass ${flag} @file.json (or .yaml), or pipe it with ${flag} -`,
    );
  }
  const path = spec === '-' ? undefined : spec.slice(1);
  const source = path ?? `${flag} - (stdin)`;
  const format = path === undefined ? 'auto' : /\.ya?ml$/i.test(path) ? 'yaml' : /\.json$/i.test(path) ? 'json' : 'auto';
  const { parseStructured } = await import('../core/structured.js');
  const value = parseStructured(text, source, format);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalidError(`${source}: expected a JSON/YAML object of fields, got ${Array.isArray(value) ? 'a list' : value === null ? 'nothing' : typeof value}`);
  }
  return value as Record<string, unknown>;
}
