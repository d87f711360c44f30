import { Command } from 'commander';
import type { NoetlClient } from '../../api/index.js';
import { relativeTime } from '../../core/duration.js';
import { id64Arg, withExecutionOption } from '../args.js';
import { readPlaybook } from '../catalog/register.js';
import type { CommandContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { readObjectInput, type IO } from '../io.js';
import { printData, type OutputFormat } from '../output.js';
import { checkPlaybookFlags, timeoutFlag } from './common.js';

export interface ResolveOptions {
  file: string;
  executionId: string;
  rootExecution?: string;
  playbook?: string;
  catalogId?: string;
  /** `@file` or `-`: workload values overriding the playbook's. */
  workload?: string;
  dryRun: boolean;
  timeout?: string;
  output: OutputFormat;
}

export interface ResolveDeps {
  io: IO;
  client: NoetlClient;
  now(): Date;
  warn(message: string): void;
  info(message: string): void;
}

export function newResolveCommand(ctx: CommandContext): Command {
  const command = new Command('resolve')
    .description("Resolve a playbook's keychain section for an execution: fetch what is missing or expired, store it, in declaration order")
    .argument('<playbook-file>', 'the playbook YAML (registered in the catalog), or - for stdin');
  return withExecutionOption(command, 'the execution the entries are resolved for', { required: true })
    .option('--root-execution <id>', 'the root of its execution tree, for shared entries (default: the execution)')
    .option('--playbook <path[@version]>', 'the catalog entry to key the entries by (default: the latest version of its metadata.path)')
    .option('--catalog-id <id>', 'the catalog entry to key the entries by, by id')
    .option('--workload <@file|->', 'workload values (JSON or YAML) overriding the playbook workload')
    .option('--dry-run', 'print the plan (order, kind, scope, cache key, what would be fetched) and contact nothing')
    .option('--timeout <duration>', 'HTTP timeout of each request (default 10s, at most 600s)')
    .addHelpText(
      'after',
      `
Examples:
  $ noetl keychain resolve playbooks/travel_booking.yaml --execution 518508477736551392 --dry-run
  $ noetl keychain resolve playbooks/travel_booking.yaml --execution 518508477736551392 --workload @workload.yaml
  $ noetl keychain resolve child.yaml --execution 518508477736551999 --root-execution 518508477736551392 -o json

Secret providers: gcp (auth: a credential with access_token or a service-account key), aws (access_key_id,
secret_access_key, region), azure (tenant_id, client_id, client_secret). Kind google_id_token mints a
Google ID token for target_audience from a service-account key (service_account_credential, or
service_account_secret read from GCP with auth). Endpoints can be overridden with
NOETL_GCP_SECRET_MANAGER_URL, NOETL_GCP_TOKEN_URL (the service-account token endpoint),
NOETL_AWS_SECRETS_MANAGER_URL, NOETL_AZURE_LOGIN_URL.`,
    )
    .action(async (file: string, opts: Omit<ResolveOptions, 'file' | 'output' | 'dryRun' | 'executionId'> & { execution: string; dryRun?: boolean }) => {
      const full: ResolveOptions = { ...opts, executionId: opts.execution, file, dryRun: Boolean(opts.dryRun), output: ctx.globals().output };
      checkResolveFlags(full);
      const deps: ResolveDeps = { io: ctx.io, client: await ctx.client(), now: () => ctx.now(), warn: (m) => ctx.warn(m), info: (m) => ctx.info(m) };
      ctx.setExitCode(await runResolve(full, deps));
    });
}

/** The flags checked before anything is opened (exit 2), returned parsed. */
function checkResolveFlags(opts: ResolveOptions) {
  const executionId = id64Arg(opts.executionId, '--execution');
  const rootExecutionId = opts.rootExecution === undefined ? undefined : id64Arg(opts.rootExecution, '--root-execution');
  checkPlaybookFlags(opts, false);
  const catalogId = opts.catalogId === undefined ? undefined : id64Arg(opts.catalogId, '--catalog-id');
  return { executionId, rootExecutionId, catalogId, timeoutSeconds: timeoutFlag(opts.timeout) };
}

/** Resolves or plans; returns 0, or 1 when an entry failed. */
export async function runResolve(opts: ResolveOptions, deps: ResolveDeps): Promise<number> {
  const { executionId, rootExecutionId, catalogId, timeoutSeconds } = checkResolveFlags(opts);
  const content = await readPlaybook(opts.file, deps.io);
  const workload = opts.workload ? await readObjectInput(opts.workload, '--workload', deps.io) : undefined;
  const result = await deps.client.templates.resolveKeychain({
    content,
    source: opts.file,
    playbook: opts.playbook,
    catalog_id: catalogId,
    execution_id: executionId,
    root_execution_id: rootExecutionId,
    workload,
    dry_run: opts.dryRun,
    timeout_seconds: timeoutSeconds,
  });
  for (const w of result.warnings) deps.warn(w);
  // The resolved values never leave through the CLI, not even masked.
  const { keychain: _values, warnings: _warnings, ...shown } = result;
  const now = deps.now();
  printData(deps.io, opts.output, shown, () => ({
    head: ['#', 'NAME', 'KIND', 'SCOPE', 'CACHE KEY', opts.dryRun ? 'WOULD FETCH' : 'STATUS', opts.dryRun ? 'DEPENDS ON' : 'EXPIRES'],
    rows: result.entries.map((e, i) => [
      String(i + 1),
      e.name,
      e.kind,
      e.scope,
      e.cache_key,
      opts.dryRun ? e.source : e.status,
      opts.dryRun ? e.depends_on.join(', ') || '-' : e.expires_at ? relativeTime(new Date(e.expires_at), now) : '-',
    ]),
  }));
  const failures = result.entries.filter((e) => e.error);
  for (const f of failures) deps.io.stderr.write(`error: ${f.error}\n`);
  if (!opts.dryRun) deps.info(`resolved ${result.entries.length - failures.length} of ${result.entries.length} keychain entries for execution ${result.execution_id}`);
  return failures.length ? ExitCode.failure : ExitCode.ok;
}
