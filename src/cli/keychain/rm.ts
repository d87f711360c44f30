import { Command } from 'commander';
import type { NoetlClient } from '../../api/index.js';
import type { CommandContext } from '../context.js';
import { invalidError } from '../../core/errors.js';
import { ExitCode } from '../exit-codes.js';
import type { IO } from '../io.js';
import { printStructured, type OutputFormat } from '../output.js';
import { confirmDestructive, requireYesOffTerminal } from '../prompt.js';
import { addScopeOptions, durationFlag, selectorOf, type ScopeFlags } from './common.js';
import { notFoundHint } from './not-found.js';

export interface RmOptions extends ScopeFlags {
  names: string[];
  /** Delete every expired entry instead of named ones. */
  expired: boolean;
  olderThan?: string;
  includeAutoRenew: boolean;
  yes: boolean;
  output: OutputFormat;
}

export interface RmDeps {
  io: IO;
  client: NoetlClient;
  info(message: string): void;
}

export function newRmCommand(ctx: CommandContext): Command {
  const command = new Command('rm').description('Delete keychain entries by name, or every expired entry (in batches)').argument('[names...]', 'entry names');
  addScopeOptions(command)
    .option('--expired', 'delete every expired entry (auto-renew entries are kept unless --include-auto-renew)')
    .option('--older-than <duration>', 'with --expired: only entries expired at least this long ago (e.g. 7d)')
    .option('--include-auto-renew', 'with --expired: delete expired auto-renew entries too')
    .option('-y, --yes', 'do not ask for confirmation (required when not on a TTY)')
    .addHelpText(
      'after',
      `
Examples:
  $ noetl keychain rm amadeus_token --playbook integrations/travel_booking --yes
  $ noetl keychain rm user_session --catalog-id 518486534513754563 --scope local --execution 518508477736551392 -y
  $ noetl keychain rm --expired --older-than 7d --yes`,
    )
    .action(async (names: string[], opts: Omit<RmOptions, 'names' | 'output' | 'expired' | 'includeAutoRenew' | 'yes'> & { expired?: boolean; includeAutoRenew?: boolean; yes?: boolean }) => {
      const full: RmOptions = {
        ...opts,
        names,
        expired: Boolean(opts.expired),
        includeAutoRenew: Boolean(opts.includeAutoRenew),
        yes: Boolean(opts.yes),
        output: ctx.globals().output,
      };
      checkRmFlags(full, ctx.io);
      ctx.setExitCode(await runRm(full, { io: ctx.io, client: await ctx.client(), info: (m) => ctx.info(m) }));
    });
  return command;
}

const DELETING = 'deleting keychain entries';

function checkRmFlags(opts: RmOptions, io: IO): void {
  if (opts.expired) {
    if (opts.names.length) throw invalidError('--expired deletes every expired entry: give either names or --expired, not both');
    if (opts.playbook || opts.catalogId || opts.execution || opts.rootExecution) {
      throw invalidError('--expired applies to the whole keychain: drop --playbook/--catalog-id/--execution');
    }
    durationFlag(opts.olderThan, '--older-than');
  } else {
    if (!opts.names.length) throw invalidError('name the entries to delete, or pass --expired');
    if (opts.olderThan || opts.includeAutoRenew) throw invalidError('--older-than and --include-auto-renew only go with --expired');
    selectorOf(opts);
  }
  requireYesOffTerminal(io, opts.yes, DELETING);
}

/** Deletes; returns the exit code (3 when a named entry did not exist). */
export async function runRm(opts: RmOptions, deps: RmDeps): Promise<number> {
  checkRmFlags(opts, deps.io);
  if (opts.expired) {
    const olderThanSeconds = durationFlag(opts.olderThan, '--older-than');
    const question = `Delete every keychain entry expired${opts.olderThan ? ` more than ${opts.olderThan} ago` : ''}?`;
    await confirmDestructive(deps.io, { yes: opts.yes, question, action: DELETING, declined: 'no keychain entry deleted' });
    const result = await deps.client.keychain.purgeExpired(
      { older_than_seconds: olderThanSeconds, include_auto_renew: opts.includeAutoRenew },
      deps.io.stderrIsTTY ? (n) => deps.io.stderr.write(`\rdeleted ${n}…`) : undefined,
    );
    if (deps.io.stderrIsTTY && result.batches > 0) deps.io.stderr.write('\n');
    printStructured(deps.io, opts.output, result);
    deps.info(
      `deleted ${result.deleted} expired keychain ${result.deleted === 1 ? 'entry' : 'entries'}` +
        (result.kept_auto_renew ? ` (${result.kept_auto_renew} expired auto-renew kept; add --include-auto-renew to delete them)` : ''),
    );
    return ExitCode.ok;
  }
  const selector = selectorOf(opts);
  const question = `Delete ${opts.names.join(', ')} (${selector.scope}) from the keychain?`;
  await confirmDestructive(deps.io, { yes: opts.yes, question, action: DELETING, declined: 'no keychain entry deleted' });
  const results = await deps.client.keychain.remove(opts.names, selector);
  printStructured(deps.io, opts.output, results);
  for (const r of results) {
    if (r.status === 'success') deps.info(`deleted '${r.keychain_name}' (${r.cache_key})`);
    else deps.io.stderr.write(`error: KEYCHAIN: Entry '${r.keychain_name}' not found (cache key ${r.cache_key})${notFoundHint(r)}\n`);
  }
  return results.some((r) => r.status === 'not_found') ? ExitCode.notFound : ExitCode.ok;
}
