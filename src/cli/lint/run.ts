import type { NoetlClient } from '../../api/index.js';
import { closest } from '../../core/suggest.js';
import { formatCompact } from '../../lint/format/compact.js';
import { formatGithub } from '../../lint/format/github.js';
import { formatJson } from '../../lint/format/json.js';
import { formatSarif } from '../../lint/format/sarif.js';
import { formatText } from '../../lint/format/text.js';
import { lintPaths, LintPathsError, type LintedInput, type LintPathsResult } from '../../lint/paths.js';
import type { MissingCredentials } from '../../lint/credentials.js';
import { RULES, RULES_BY_ID } from '../../lint/rules/index.js';
import { severityRank, type Finding } from '../../lint/types.js';
import { invalidError, notFoundError } from '../../core/errors.js';
import { CommandExit, ExitCode } from '../exit-codes.js';
import { readStdin, type IO } from '../io.js';
import type { LintFormat } from './formats.js';

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
  /** The client of the configured backend: only called with --check-credentials. */
  client?: () => Promise<NoetlClient>;
}

/** An input as a message names it. */
const shownName = (input: LintedInput) => (!input.stdin ? input.path : input.path === '<stdin>' ? 'stdin' : `stdin (${input.path})`);

/**
 * Why a run found nothing to lint, in one line: no YAML file at all, or files that hold no
 * playbook (an empty stdin, /etc/passwd, a folder of other YAML).
 */
function nothingToLint(opts: LintCommandOptions, result: LintPathsResult): string {
  const where = opts.paths.join(' ');
  const { inputs, ignored } = result;
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
    throw invalidError(`unknown rule '${id}'${s ? `; did you mean '${s}'?` : ''}; see 'noetl lint --list-rules'`);
  }
  io.stdout.write(`${rule.id} (default severity: ${rule.defaultSeverity})\n${rule.summary}\n\n${rule.docs}\n`);
}

/** The credential lookup of --check-credentials, through the client of the configured backend (opened on first use). */
function clientLookup(open: () => Promise<NoetlClient>): MissingCredentials {
  return async (names) => {
    let client: NoetlClient;
    try {
      client = await open();
    } catch (e) {
      throw new CommandExit(`--check-credentials: cannot open the database: ${(e as Error).message.split('\n')[0]}`, LINT_COULD_NOT_RUN);
    }
    const missing = new Set<string>();
    for (const name of names) if (!(await client.credentials.exists(name))) missing.add(name);
    return missing;
  };
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
  if (opts.paths.length === 0) throw invalidError("no playbooks to lint: give files, folders, or - for stdin; see 'noetl lint --help'");
  const warn = (message: string) => io.stderr.write(`warning: ${message}\n`);
  if (opts.checkCredentials && !deps.client) throw new CommandExit('--check-credentials needs a database', LINT_COULD_NOT_RUN);
  let progressShown = false;
  let result: LintPathsResult;
  try {
    result = await lintPaths({
      paths: opts.paths,
      cwd: deps.cwd,
      stdin: () => readStdin(io, '- (stdin)'),
      stdinFilename: opts.stdinFilename,
      env: deps.env ?? {},
      missingCredentials: opts.checkCredentials && deps.client ? clientLookup(deps.client) : undefined,
      onWarning: warn,
      onProgress:
        io.stderrIsTTY && !opts.quiet
          ? (done, total) => {
              if (total < 500) return;
              progressShown = true;
              io.stderr.write(`\rlinting ${done}/${total}`);
            }
          : undefined,
    });
  } catch (e) {
    if (e instanceof LintPathsError) {
      if (e.code === 'invalid') throw invalidError(e.message);
      if (e.code === 'not_found') throw notFoundError(e.message);
      throw new CommandExit(e.message, LINT_COULD_NOT_RUN);
    }
    throw e;
  } finally {
    if (progressShown) io.stderr.write('\r\x1b[K');
  }
  const { findings } = result;
  /** Inputs with no playbook and no finding: nothing in them was linted. */
  const empty = result.inputs.filter((i) => i.playbooks === 0 && i.findings === 0);
  const linted = result.inputs.length - empty.length;
  if (linted === 0 && !opts.allowEmpty) throw invalidError(nothingToLint(opts, result));
  // A file named on the command line that holds no playbook is a mistake worth a line; one a folder holds is counted.
  for (const input of empty) if (input.named) warn(`${shownName(input)} holds no playbook; nothing in it was linted`);
  io.stdout.write(render(opts.format, findings, result.lineOf, io, deps.version));
  const errors = findings.filter((f) => f.severity === 'error').length;
  const warnings = findings.length - errors;
  if (!opts.quiet) {
    const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
    const skipped = empty.length > 0 ? ` (${empty.length} skipped: no playbook)` : '';
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
