import { readdirSync, realpathSync, statSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { join, resolve } from 'node:path';
import type { Store } from '../../store/store.js';
import { closest } from '../../core/suggest.js';
import { ConfigError, configFor, isIgnored, type LintConfig } from '../../lint/config.js';
import { formatCompact } from '../../lint/format/compact.js';
import { formatGithub } from '../../lint/format/github.js';
import { formatJson } from '../../lint/format/json.js';
import { formatSarif } from '../../lint/format/sarif.js';
import { formatText } from '../../lint/format/text.js';
import { lintFile, sortFindings } from '../../lint/lint.js';
import { RULES, RULES_BY_ID } from '../../lint/rules/index.js';
import { SourceFile } from '../../lint/source.js';
import { severityRank, type Finding } from '../../lint/types.js';
import { CliError, ExitCode, notFoundError, usageError } from '../../core/errors.js';
import { readInputFile } from '../../store/input-file.js';
import { readStdin, type IO } from '../io.js';
import type { LintFormat } from './formats.js';
import { lintFilesInParallel, threadCount, type FileJob } from './parallel.js';

/** `noetl lint` exit codes (DESIGN.md): 3 when linting could not run at all. */
const LINT_COULD_NOT_RUN = 3;

export interface LintCommandOptions {
  paths: string[];
  format: LintFormat;
  failLevel: 'error' | 'warning';
  stdinFilename?: string;
  listRules: boolean;
  explain?: string;
  checkCredentials: boolean;
  /** Exit 0 when no playbook was found (by default, exit 2: a run that lints nothing must not pass). */
  allowEmpty?: boolean;
  quiet: boolean;
}

export interface LintDeps {
  io: IO;
  /** Relative paths are resolved from here (for config lookup and reading). */
  cwd: string;
  version: string;
  /** NOETL_LINT_JOBS: threads to lint with (default: one per core beyond the first, for many files). */
  env?: NodeJS.ProcessEnv;
  /** Only called with --check-credentials. */
  openStore?: () => Promise<Store>;
}

interface Input {
  /** As shown in findings. */
  path: string;
  /** For reading and config lookup; undefined for stdin. */
  file?: string;
  config: LintConfig;
  /** Named on the command line (not found in a folder): warned about when it holds no playbook. */
  named: boolean;
}

/**
 * Below this much text, V8's optimizing compiler costs more than it saves: linting the upstream
 * corpus (~100 files, 0.8 MB) spends a third of its CPU compiling code it runs only a few times.
 * So linting starts without it and turns it back on once this thread has this much text to lint
 * (the flag is the process's: worker threads follow it).
 */
const OPTIMIZE_AFTER_CHARS = 1_000_000;
/** From this many files on, the optimizing compiler pays from the start (980 files: 1.08 s, not 1.12 s deferred). */
const OPTIMIZE_FROM_FILES = 500;

/** Lint runs in this process holding the optimizing compiler off: library callers may overlap, and only the last one out turns it back on. */
let deferringRuns = 0;

/** Whether the user chose how V8 optimizes (node --no-turbofan, --jitless, …): then it is left as they set it. */
function optimizerChosenByUser(env: NodeJS.ProcessEnv): boolean {
  return [...process.execArgv, ...(env.NODE_OPTIONS ?? '').split(/\s+/)].some((a) => /^--(no-)?(turbofan|opt|jitless|max-opt)\b/.test(a));
}

/**
 * Turns V8's optimizing compiler off until this thread has OPTIMIZE_AFTER_CHARS of text to lint.
 * The caller calls `restore` in a finally: the flag is the whole process's.
 */
function deferOptimization(files: number): { linting: (chars: number) => void; restore: () => void } {
  let remaining = OPTIMIZE_AFTER_CHARS;
  let holding = files < OPTIMIZE_FROM_FILES && !optimizerChosenByUser(process.env);
  if (holding && deferringRuns++ === 0) setFlagsFromString('--no-turbofan');
  const restore = () => {
    if (holding && --deferringRuns === 0) setFlagsFromString('--turbofan');
    holding = false;
  };
  return {
    linting: (chars) => {
      remaining -= chars;
      if (remaining <= 0) restore();
    },
    restore,
  };
}

const PLAYBOOK_FILE = /\.ya?ml$/i;
const SKIP_DIRS = new Set(['node_modules']);

interface Found {
  file: string;
  path: string;
}

/**
 * The YAML files under `dir`, following symbolic links (a Kubernetes ConfigMap mount is a folder
 * of links); `ancestors` holds the real paths of the folders being walked, so a link back to one
 * of them is a cycle, reported and not followed.
 */
function walk(dir: string, shown: string, out: Found[], ancestors: Set<string>, warn: (message: string) => void): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch (e) {
    // A folder that cannot be listed would leave its playbooks unlinted: the run cannot pass.
    throw new CliError(`cannot read ${shown}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, LINT_COULD_NOT_RUN);
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
function collectInputs(opts: LintCommandOptions, cwd: string, warn: (message: string) => void): { inputs: Input[]; ignored: number } {
  const inputs: Input[] = [];
  let ignored = 0;
  for (const arg of opts.paths) {
    if (arg === '-') {
      inputs.push({ path: opts.stdinFilename ?? '<stdin>', config: configFor(resolve(cwd, opts.stdinFilename ?? '.')), named: true });
      continue;
    }
    const file = resolve(cwd, arg);
    let stat;
    try {
      stat = statSync(file);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') throw notFoundError(`${arg}: no such file or folder`);
      throw new CliError(`cannot read ${arg}: ${code ?? (e as Error).message}`, LINT_COULD_NOT_RUN);
    }
    if (stat.isDirectory()) {
      const found: Found[] = [];
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

/** An input as a message names it. */
const shownName = (input: Input) => (input.file !== undefined ? input.path : input.path === '<stdin>' ? 'stdin' : `stdin (${input.path})`);

/**
 * Why a run found nothing to lint, in one line: no YAML file at all, or files that hold no
 * playbook (an empty stdin, /etc/passwd, a folder of other YAML).
 */
function nothingToLint(opts: LintCommandOptions, inputs: Input[], ignored: number): string {
  const where = opts.paths.join(' ');
  let what: string;
  if (inputs.length === 0) what = `no .yaml or .yml file in ${where}${ignored > 0 ? ` (${ignored} ignored by .noetl-lint.yaml)` : ''}`;
  else if (inputs.length === 1) what = `${shownName(inputs[0])} holds no playbook`;
  else what = `none of the ${inputs.length} files in ${where} holds a playbook`;
  return `nothing to lint: ${what} (a playbook is YAML with kind: Playbook, a workflow or a keychain); give playbooks, or --allow-empty to accept an empty run`;
}

function listRules(io: IO): void {
  const width = Math.max(...RULES.map((r) => r.id.length));
  for (const r of RULES) io.stdout.write(`${r.id.padEnd(width)}  ${r.defaultSeverity.padEnd(7)}  ${r.summary}\n`);
}

function explain(io: IO, id: string): void {
  const rule = RULES_BY_ID.get(id);
  if (!rule) {
    const s = closest(id, RULES_BY_ID.keys());
    throw usageError(`unknown rule '${id}'${s ? `; did you mean '${s}'?` : ''}; see 'noetl lint --list-rules'`);
  }
  io.stdout.write(`${rule.id} (default severity: ${rule.defaultSeverity})\n${rule.summary}\n\n${rule.docs}\n`);
}

/** Lints the given paths and prints the findings; returns the exit code. */
export async function runLint(opts: LintCommandOptions, deps: LintDeps): Promise<number> {
  const { io } = deps;
  if (opts.listRules) {
    listRules(io);
    return ExitCode.ok;
  }
  if (opts.explain !== undefined) {
    explain(io, opts.explain);
    return ExitCode.ok;
  }
  if (opts.paths.length === 0) throw usageError("no playbooks to lint: give files, folders, or - for stdin; see 'noetl lint --help'");
  if (opts.paths.filter((p) => p === '-').length > 1) throw usageError('- (stdin) can be given only once');
  const warn = (message: string) => io.stderr.write(`warning: ${message}\n`);
  let inputs: Input[];
  let ignored: number;
  try {
    ({ inputs, ignored } = collectInputs(opts, deps.cwd, warn));
  } catch (e) {
    if (e instanceof ConfigError) throw usageError(e.message);
    throw e;
  }
  const sources = new Map<string, SourceFile>();
  const lines = new Map<string, Record<number, string>>();
  const findings: Finding[] = [];
  /** Inputs with no playbook and no finding: nothing in them was linted. */
  const empty = new Set<Input>();
  const fileInputs = inputs.filter((i): i is Input & { file: string } => i.file !== undefined);
  // --check-credentials reads every source again in this thread: lint here too.
  const threads = opts.checkCredentials ? 1 : threadCount(fileInputs.length, deps.env ?? {});
  const local = threads > 1 ? inputs.filter((i) => i.file === undefined) : inputs;
  const progress = io.stderrIsTTY && !opts.quiet && local.length >= 500;
  const optimization = deferOptimization(inputs.length);
  try {
    if (threads > 1) {
      const jobs: FileJob[] = fileInputs.map((i) => ({ file: i.file, path: i.path, severities: [...i.config.severities] }));
      for (const [n, r] of (await lintFilesInParallel(jobs, threads, optimization.linting)).entries()) {
        if (r.readError !== undefined) throw new CliError(r.readError, LINT_COULD_NOT_RUN);
        findings.push(...r.findings);
        lines.set(r.path, r.lines);
        if (r.playbooks === 0 && r.findings.length === 0) empty.add(fileInputs[n]);
      }
    }
    for (const [n, input] of local.entries()) {
      let text: string;
      try {
        text = input.file === undefined ? await readStdin(io, '- (stdin)') : readInputFile(input.file, input.path);
      } catch (e) {
        throw new CliError((e as Error).message, LINT_COULD_NOT_RUN);
      }
      optimization.linting(text.length);
      const severities = input.config.severities;
      const linted = lintFile(input.path, text, { severity: (id) => severities.get(id) });
      findings.push(...linted.findings);
      if (linted.playbooks === 0 && linted.findings.length === 0) empty.add(input);
      sources.set(input.path, new SourceFile(input.path, text));
      if (progress && n % 250 === 0) io.stderr.write(`\rlinting ${n}/${local.length}`);
    }
  } finally {
    optimization.restore();
  }
  if (progress) io.stderr.write('\r\x1b[K');
  const linted = inputs.length - empty.size;
  if (linted === 0 && !opts.allowEmpty) throw usageError(nothingToLint(opts, inputs, ignored));
  // A file named on the command line that holds no playbook is a mistake worth a line; one a folder holds is counted.
  for (const input of empty) if (input.named) warn(`${shownName(input)} holds no playbook; nothing in it was linted`);
  if (opts.checkCredentials) {
    if (!deps.openStore) throw new CliError('--check-credentials needs a database', LINT_COULD_NOT_RUN);
    const { checkCredentials } = await import('../../lint/credentials.js');
    let store: Store;
    try {
      store = await deps.openStore();
    } catch (e) {
      throw new CliError(`--check-credentials: cannot open the database: ${(e as Error).message.split('\n')[0]}`, LINT_COULD_NOT_RUN);
    }
    const severitiesByPath = new Map(inputs.map((i) => [i.path, i.config.severities]));
    findings.push(...(await checkCredentials(store, [...sources.values()], (path) => severitiesByPath.get(path))));
  }
  sortFindings(findings);
  const lineOf = (path: string, line: number) => sources.get(path)?.lineText(line) ?? lines.get(path)?.[line];
  io.stdout.write(render(opts.format, findings, lineOf, io, deps.version));
  const errors = findings.filter((f) => f.severity === 'error').length;
  const warnings = findings.length - errors;
  if (!opts.quiet) {
    const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
    const skipped = empty.size > 0 ? ` (${empty.size} skipped: no playbook)` : '';
    io.stderr.write(`${plural(linted, 'file')} linted${skipped}: ${findings.length === 0 ? 'no findings' : `${plural(errors, 'error')}, ${plural(warnings, 'warning')}`}\n`);
  }
  const threshold = severityRank(opts.failLevel);
  return findings.some((f) => severityRank(f.severity) >= threshold) ? ExitCode.failure : ExitCode.ok;
}

function render(format: LintFormat, findings: Finding[], lineOf: (path: string, line: number) => string | undefined, io: IO, version: string): string {
  switch (format) {
    case 'json':
      return formatJson(findings);
    case 'sarif':
      return formatSarif(findings, RULES, version);
    case 'github':
      return formatGithub(findings);
    case 'compact':
      return formatCompact(findings);
    default:
      return formatText(findings, lineOf, { color: io.color });
  }
}
