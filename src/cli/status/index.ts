import { Command } from 'commander';
import type { BackendReport } from '../client.js';
import type { CommandContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import type { IO } from '../io.js';
import { keyValueView, printData, type OutputFormat } from '../output.js';

/** What `noetl status` prints: the backend report, and the embedded database's agent. */
export interface StatusReport extends BackendReport {
  /**
   * The agent of the embedded database (engineer h6, not written yet): null until it reports
   * here. Its place is kept so scripts reading `-o json` see the key from the start.
   */
  agent: null;
}

export interface StatusDeps {
  io: IO;
  report(): Promise<BackendReport>;
  setExitCode(code: number): void;
}

export function newStatusCommand(ctx: CommandContext): Command {
  return new Command('status')
    .description('Which backend commands use and why (flag, env, context, default), whether it answers, its schema and versions, the master key or token source')
    .addHelpText(
      'after',
      `
Examples:
  $ noetl status
  $ noetl --context prod status -o json | jq .reachable
  $ noetl --server http://127.0.0.1:8082 --token-file worker.token status

Exit status: 0 when the backend answers (and a server accepts the token), 1 otherwise.
An embedded database that another process holds (noetl serve) is waited for as long as --lock-timeout
says (30s): --lock-timeout 0 reports it at once. Nothing is created or migrated.`,
    )
    .action(async () => {
      await runStatus({ output: ctx.globals().output }, { io: ctx.io, report: () => ctx.backendReport(), setExitCode: (c) => ctx.setExitCode(c) });
    });
}

export async function runStatus(opts: { output: OutputFormat }, deps: StatusDeps): Promise<void> {
  const status: StatusReport = { ...(await deps.report()), agent: null };
  printData(deps.io, opts.output, status, () => keyValueView(statusRows(status)));
  if (!status.reachable || status.authenticated === false) deps.setExitCode(ExitCode.failure);
}

function statusRows(s: StatusReport): [string, string][] {
  const rows: [string, string][] = [
    ['backend', s.backend],
    ['chosen by', choiceLabel(s)],
    ['current context', s.current_context ?? 'none'],
    ['location', s.location],
    ['reachable', s.reachable ? 'yes' : `no: ${s.error}`],
  ];
  if (s.backend === 'http') {
    rows.push(['server version', s.server_version ?? 'unknown']);
    rows.push(['token', s.token_source ?? 'none (--token-file, NOETL_TOKEN or a context give one)']);
    if (s.reachable) rows.push(['authenticated', s.authenticated === true ? 'yes' : s.authenticated === false ? `no: ${s.error}` : `not checked: ${s.error}`]);
    return rows;
  }
  if (s.reachable) {
    rows.push(['schema version', s.schema_version === null ? 'not initialised (created on first use, or run `noetl db migrate`)' : String(s.schema_version)]);
    if (s.pending_migrations) rows.push(['pending migrations', String(s.pending_migrations)]);
  }
  if (s.server_version) rows.push(['server version', s.server_version]);
  rows.push(['master key', s.key_source ?? `none: ${s.key_error}`]);
  return rows;
}

/** `flag --server`, `environment NOETL_DATA_DIR`, `context prod`, `config file`, `default`. */
function choiceLabel(s: StatusReport): string {
  switch (s.from) {
    case 'flag':
      return `flag ${s.source}`;
    case 'env':
      return `environment ${s.source}`;
    case 'context':
      return s.source;
    case 'config':
      return 'config file';
    default:
      return 'default';
  }
}
