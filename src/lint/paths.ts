/**
 * `lintPaths()`: lint files, folders and stdin as `noetl lint` does, as a library call the CLI
 * and a server share. It finds the playbooks (folders searched for *.yaml / *.yml, symbolic links
 * followed, `.noetl-lint.yaml` applied per folder), lints them on one thread or several, and,
 * when given a way to look credentials up, checks the credentials `auth` references. It prints
 * nothing and decides no exit code: it returns the findings and what was linted, and throws
 * LintPathsError for a run that cannot be made.
 */
import { readdirSync, realpathSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { readInputFile } from '../io/input-file.js';
import { ConfigError, configFor, isIgnored, type LintConfig } from './config.js';
import { checkCredentials, type MissingCredentials } from './credentials.js';
import { lintFile, sortFindings } from './lint.js';
import type { FileJob } from './parallel.js';
import { SourceFile } from './source.js';
import type { Finding } from './types.js';

/**
 * Why a run could not be made, in the error codes of the operations layer: `invalid` (bad
 * arguments, a bad .noetl-lint.yaml), `not_found` (a path that does not exist), `unavailable`
 * (a file or folder that cannot be read).
 */
export class LintPathsError extends Error {
  constructor(
    readonly code: 'invalid' | 'not_found' | 'unavailable',
    message: string,
  ) {
    super(message);
    this.name = 'LintPathsError';
  }
}

export interface LintPathsOptions {
  /** Files, folders (searched for *.yaml / *.yml), or `-` for the text `stdin` gives. */
  paths: string[];
  /** Relative paths are read from here; default the process's working directory. */
  cwd?: string;
  /** The text of `-`. */
  stdin?: () => Promise<string>;
  /** The name findings in stdin's text carry (default `<stdin>`); also where its config is looked up. */
  stdinFilename?: string;
  /** Checks the credentials auth references (rule missing-credential): the names among `names` that do not exist. */
  missingCredentials?: MissingCredentials;
  /** Threads to lint with; default: NOETL_LINT_JOBS in `env`, else one per core beyond the first, from 80 files a thread. */
  threads?: number;
  env?: NodeJS.ProcessEnv;
  /** Hears what is worth a line but does not stop the run (a symbolic link back to a folder it is in). */
  onWarning?: (message: string) => void;
  /** Hears progress every 250 files linted in this thread. */
  onProgress?: (done: number, total: number) => void;
}

/** One input of the run. */
export interface LintedInput {
  /** As findings name it. */
  path: string;
  /** Named by the caller (not found in a folder). */
  named: boolean;
  /** It is the text of `-`. */
  stdin: boolean;
  /** Playbook documents in it: 0 with no finding means nothing in it was linted. */
  playbooks: number;
  /** Findings in it (before credentials are checked). */
  findings: number;
}

export interface LintPathsResult {
  /** Sorted by path, then position. */
  findings: Finding[];
  /** Every input, in the order given (a folder's files by name). */
  inputs: LintedInput[];
  /** Files a `.noetl-lint.yaml` ignores. */
  ignored: number;
  /** The text of a line of an input, for a report that shows it (the lines findings start on). */
  lineOf(path: string, line: number): string | undefined;
}

interface Input {
  path: string;
  /** For reading and config lookup; undefined for stdin. */
  file?: string;
  config: LintConfig;
  named: boolean;
}

const PLAYBOOK_FILE = /\.ya?ml$/i;
const SKIP_DIRS = new Set(['node_modules']);

/**
 * The YAML files under `dir`, following symbolic links (a Kubernetes ConfigMap mount is a folder
 * of links); `ancestors` holds the real paths of the folders being walked, so a link back to one
 * of them is a cycle, reported and not followed.
 */
function walk(dir: string, shown: string, out: { file: string; path: string }[], ancestors: Set<string>, warn: (message: string) => void): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch (e) {
    // A folder that cannot be listed would leave its playbooks unlinted: the run cannot pass.
    throw new LintPathsError('unavailable', `cannot read ${shown}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  for (const e of entries) {
    const file = join(dir, e.name);
    const path = shown === '.' ? e.name : `${shown.replace(/\/+$/, '')}/${e.name}`;
    // Hidden folders (.git, .github, a ConfigMap's ..data) and files (.noetl-lint.yaml) are not playbooks.
    if (e.name.startsWith('.')) continue;
    let isDirectory = e.isDirectory();
    let isFile = e.isFile();
    if (e.isSymbolicLink()) {
      try {
        const target = statSync(file);
        isDirectory = target.isDirectory();
        isFile = target.isFile();
      } catch {
        // A broken link named like a playbook: reading it fails and says so, rather than passing unread.
        if (PLAYBOOK_FILE.test(e.name)) out.push({ file, path });
        continue;
      }
    }
    if (isDirectory) {
      if (SKIP_DIRS.has(e.name)) continue;
      const real = realpathSync(file);
      if (ancestors.has(real)) {
        warn(`${path}: a symbolic link back to a folder that contains it; not followed`);
        continue;
      }
      ancestors.add(real);
      walk(file, path, out, ancestors, warn);
      ancestors.delete(real);
    } else if (isFile && PLAYBOOK_FILE.test(e.name)) out.push({ file, path });
  }
}

/** The files to lint, in a stable order; folders are searched recursively. */
function collectInputs(options: LintPathsOptions, cwd: string, warn: (message: string) => void): { inputs: Input[]; ignored: number } {
  const inputs: Input[] = [];
  let ignored = 0;
  for (const arg of options.paths) {
    if (arg === '-') {
      inputs.push({ path: options.stdinFilename ?? '<stdin>', config: configFor(resolve(cwd, options.stdinFilename ?? '.')), named: true });
      continue;
    }
    const file = resolve(cwd, arg);
    let stat;
    try {
      stat = statSync(file);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') throw new LintPathsError('not_found', `${arg}: no such file or folder`);
      throw new LintPathsError('unavailable', `cannot read ${arg}: ${code ?? (e as Error).message}`);
    }
    if (stat.isDirectory()) {
      const found: { file: string; path: string }[] = [];
      walk(file, arg, found, new Set([realpathSync(file)]), warn);
      for (const f of found) {
        const config = configFor(f.file, false);
        if (isIgnored(config, f.file)) ignored++;
        else inputs.push({ ...f, config, named: false });
      }
    } else inputs.push({ file, path: arg, config: configFor(file, false), named: true });
  }
  return { inputs, ignored };
}

/**
 * Files per thread below which another thread costs more than it saves: a worker pays its own
 * start-up and cold code (~60 ms of CPU, what ~30 files of the upstream corpus take), so it
 * needs a share well above that.
 */
const MIN_FILES_PER_THREAD = 80;

/**
 * Cores left to V8's own threads: its optimizing compiler and garbage collector run beside the
 * linting thread, and on two cores a worker only competes with them (the upstream corpus, and
 * 4,000 copies of it, lint no faster on two threads than on one).
 */
const CORES_FOR_V8 = 1;

/** How many threads to use for `count` files (1: lint in this thread). NOETL_LINT_JOBS sets it. */
export function threadCount(count: number, env: NodeJS.ProcessEnv): number {
  // Workers run the built module; under a TypeScript loader (tests) there is none.
  if (!import.meta.url.endsWith('.js')) return 1;
  const forced = Number(env.NOETL_LINT_JOBS);
  if (Number.isInteger(forced) && forced > 0) return Math.max(1, Math.min(forced, count));
  return Math.max(1, Math.min(availableParallelism() - CORES_FOR_V8, 8, Math.floor(count / MIN_FILES_PER_THREAD)));
}

/** Lints the given paths. Throws LintPathsError when the run cannot be made. */
export async function lintPaths(options: LintPathsOptions): Promise<LintPathsResult> {
  if (options.paths.length === 0) throw new LintPathsError('invalid', 'no playbooks to lint: give files, folders, or - for stdin');
  if (options.paths.filter((p) => p === '-').length > 1) throw new LintPathsError('invalid', '- (stdin) can be given only once');
  const warn = options.onWarning ?? (() => undefined);
  let collected: { inputs: Input[]; ignored: number };
  try {
    collected = collectInputs(options, options.cwd ?? process.cwd(), warn);
  } catch (e) {
    if (e instanceof ConfigError) throw new LintPathsError('invalid', e.message);
    throw e;
  }
  const { inputs, ignored } = collected;
  const sources = new Map<string, SourceFile>();
  const lines = new Map<string, Record<number, string>>();
  const findings: Finding[] = [];
  const counts = new Map<Input, { playbooks: number; findings: number }>();
  const fileInputs = inputs.filter((i): i is Input & { file: string } => i.file !== undefined);
  // Credentials are checked against every source again in this thread: lint here too.
  const threads = options.missingCredentials ? 1 : (options.threads ?? threadCount(fileInputs.length, options.env ?? process.env));
  const local = threads > 1 ? inputs.filter((i) => i.file === undefined) : inputs;
  if (threads > 1) {
    const { lintFilesInParallel } = await import('./parallel.js');
    const jobs: FileJob[] = fileInputs.map((i) => ({ file: i.file, path: i.path, severities: [...i.config.severities] }));
    for (const [n, r] of (await lintFilesInParallel(jobs, threads)).entries()) {
      if (r.readError !== undefined) throw new LintPathsError('unavailable', r.readError);
      findings.push(...r.findings);
      lines.set(r.path, r.lines);
      counts.set(fileInputs[n], { playbooks: r.playbooks, findings: r.findings.length });
    }
  }
  for (const [n, input] of local.entries()) {
    let text: string;
    try {
      if (input.file !== undefined) text = readInputFile(input.file, input.path);
      else if (options.stdin) text = await options.stdin();
      else throw new Error('- (stdin) was given but there is no stdin to read');
    } catch (e) {
      throw new LintPathsError('unavailable', (e as Error).message);
    }
    const severities = input.config.severities;
    const linted = lintFile(input.path, text, { severity: (id) => severities.get(id) });
    findings.push(...linted.findings);
    counts.set(input, { playbooks: linted.playbooks, findings: linted.findings.length });
    sources.set(input.path, new SourceFile(input.path, text));
    if (options.onProgress && n % 250 === 0) options.onProgress(n, local.length);
  }
  if (options.missingCredentials) {
    const severitiesByPath = new Map(inputs.map((i) => [i.path, i.config.severities]));
    findings.push(...(await checkCredentials(options.missingCredentials, [...sources.values()], (path) => severitiesByPath.get(path))));
  }
  sortFindings(findings);
  return {
    findings,
    inputs: inputs.map((i) => ({ path: i.path, named: i.named, stdin: i.file === undefined, playbooks: 0, findings: 0, ...counts.get(i) })),
    ignored,
    lineOf: (path, line) => sources.get(path)?.lineText(line) ?? lines.get(path)?.[line],
  };
}
