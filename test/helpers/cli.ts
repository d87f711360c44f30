import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { IO } from '../../src/cli/io.js';
import { freshDataDir, freshSchema, testBackend, testDatabaseUrl } from './backend.js';
import { memIO } from './memio.js';

export const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const noetlBin = join(repoRoot, 'bin', 'noetl');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliEnvOptions {
  /** Leave NOETL_ENCRYPTION_KEY unset (to test key handling). */
  noKey?: boolean;
  /**
   * Serve the embedded database from an agent (issue 16) instead of opening it in every command:
   * cheaper for a file that runs many commands on one environment. It exits 15 s after its last command.
   */
  agent?: boolean;
}

/**
 * An environment for running the built CLI against an isolated database of this run's
 * backend, with its own HOME and XDG folders, and a random master key. Nothing of the
 * caller's NOETL_* or PG* variables leaks in.
 */
export async function testCliEnv(options: CliEnvOptions = {}): Promise<NodeJS.ProcessEnv> {
  const home = mkdtempSync(join(tmpdir(), 'noetl-test-home-'));
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(NOETL_|PG|XDG_)/.test(k)) env[k] = v;
  }
  Object.assign(env, {
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_DATA_HOME: join(home, '.local', 'share'),
    NO_COLOR: '1',
    // In process, as vitest.config.ts sets for the suite, unless the test asks for the agent.
    NOETL_EMBEDDED_AGENT: options.agent ? 'on' : 'off',
    NOETL_AGENT_IDLE_TIMEOUT: '15s',
  });
  if (!options.noKey) env.NOETL_ENCRYPTION_KEY = randomBytes(32).toString('base64');
  if (testBackend() === 'embedded') {
    env.NOETL_DATA_DIR = await freshDataDir();
  } else {
    env.NOETL_DATABASE_URL = testDatabaseUrl();
    env.NOETL_SCHEMA = await freshSchema();
  }
  return env;
}

export interface RunCliOptions {
  env?: NodeJS.ProcessEnv;
  /** What the command reads on stdin (nothing by default: an empty pipe, not a terminal). */
  input?: string;
  /**
   * The working directory: the IO's `cwd` in process, which is what `lint` resolves its paths
   * against (other commands read file arguments relative to the process's own: give them
   * absolute paths, or run with `subprocess: true`, where it is the child's working directory).
   */
  cwd?: string;
  /** Subprocess only: killed after this long. */
  timeoutMs?: number;
  /**
   * Run `node bin/noetl` in a child process instead of main() of the bundle in this one. For the
   * smoke tests of what only a process has: exit codes as the shell sees them, stream routing
   * and draining, signals, start-up and module loading, the launcher itself.
   */
  subprocess?: boolean;
}

/**
 * Runs the BUILT CLI (`npm run build`) on ARGS. By default in this process: main(argv, env, io)
 * exported by dist/noetl.js, with an in-memory IO fed `input`, and `env` passed as a parameter
 * (process.env is neither read nor changed) — what `node bin/noetl` does without the cost of a
 * process start. With `subprocess: true`, `node bin/noetl ARGS` in a child.
 */
export function runCli(args: string[], options: RunCliOptions = {}): Promise<CliResult> {
  if (options.subprocess) return runCliSubprocess(args, options);
  return runCliInProcess(args, options);
}

type BundleMain = (argv: string[], env: NodeJS.ProcessEnv, io: IO) => Promise<number>;
let bundleMain: Promise<BundleMain> | undefined;

/** main() of dist/noetl.js, loaded once per test worker. */
function loadBundleMain(): Promise<BundleMain> {
  bundleMain ??= import(pathToFileURL(join(repoRoot, 'dist', 'noetl.js')).href).then((m: { main?: BundleMain }) => {
    if (typeof m.main !== 'function') throw new Error('dist/noetl.js exports no main(): rebuild with `node scripts/build.mjs`');
    return m.main;
  });
  return bundleMain;
}

async function runCliInProcess(args: string[], options: RunCliOptions): Promise<CliResult> {
  const main = await loadBundleMain();
  const mem = memIO({ stdin: options.input ?? '', cwd: options.cwd });
  const code = await main(args, options.env ?? process.env, mem.io);
  return { code, stdout: mem.stdout(), stderr: mem.stderr() };
}

/** `node bin/noetl ARGS` in a child process. */
function runCliSubprocess(args: string[], options: RunCliOptions): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [noetlBin, ...args], {
      env: options.env ?? process.env,
      cwd: options.cwd ?? repoRoot,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
    // A command that stops reading early (an input over its limit) closes the pipe: not an error here.
    child.stdin.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') reject(err);
    });
    child.stdin.end(options.input ?? '');
  });
}

/** Module URLs of database code: pg (bundled into the connect/esm chunks) and PGlite. */
export const DATABASE_MODULE = /node_modules\/(pg|pg-[a-z-]+|@electric-sql\/pglite)\/|\/chunks\/(connect|esm)-/;

/**
 * Runs the built CLI with a module-resolve hook and returns its exit code and every module
 * URL it loaded, to show what a command keeps off its start-up path.
 */
export function modulesLoadedBy(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): { code: number | null; modules: string[] } {
  const trace = join(mkdtempSync(join(tmpdir(), 'noetl-trace-')), 'modules.txt');
  writeFileSync(trace, '');
  const r = spawnSync(process.execPath, ['--import', join(repoRoot, 'test/foundation/fixtures/trace-imports.mjs'), noetlBin, ...args], {
    cwd: options.cwd ?? repoRoot,
    env: { ...(options.env ?? process.env), NOETL_TRACE_IMPORTS: trace },
    encoding: 'utf8',
  });
  return { code: r.status, modules: readFileSync(trace, 'utf8').split('\n').filter(Boolean) };
}
