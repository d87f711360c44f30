import { Command } from 'commander';
import type { Store } from '../../backends/sql/store.js';
import type { CommandContext } from '../context.js';
import { invalidError } from '../../core/errors.js';
import { ExitCode } from '../exit-codes.js';
import type { IO } from '../io.js';
import { printStructured, type OutputFormat } from '../output.js';
import { confirmDestructive, requireYesOffTerminal } from '../prompt.js';
import { otherVersionHint } from './not-found.js';
import { addScopeOptions, checkPlaybookFlags, checkScopeFlags, durationFlag, resolveScopeRef, type ScopeFlags } from './common.js';

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
  store: Store;
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
      const store = await ctx.openStore();
      ctx.setExitCode(await runRm(full, { io: ctx.io, store, info: (m) => ctx.info(m) }));
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
    checkScopeFlags(opts);
    checkPlaybookFlags(opts);
  }
  requireYesOffTerminal(io, opts.yes, DELETING);
}

/** Deletes; returns the exit code (3 when a named entry did not exist). */
export async function runRm(opts: RmOptions, deps: RmDeps): Promise<number> {
  checkRmFlags(opts, deps.io);
  const keychain = await import('../../backends/sql/keychain.js');
  if (opts.expired) {
    const olderThanSeconds = durationFlag(opts.olderThan, '--older-than');
    const question = `Delete every keychain entry expired${opts.olderThan ? ` more than ${opts.olderThan} ago` : ''}?`;
    await confirmDestructive(deps.io, { yes: opts.yes, question, action: DELETING, declined: 'no keychain entry deleted' });
    const result = await keychain.purgeExpiredKeychain(deps.store, {
      olderThanSeconds,
      includeAutoRenew: opts.includeAutoRenew,
      onProgress: deps.io.stderrIsTTY ? (n) => deps.io.stderr.write(`\rdeleted ${n}…`) : undefined,
    });
    if (deps.io.stderrIsTTY && result.batches > 0) deps.io.stderr.write('\n');
    printStructured(deps.io, opts.output, result);
    deps.info(
      `deleted ${result.deleted} expired keychain ${result.deleted === 1 ? 'entry' : 'entries'}` +
        (result.kept_auto_renew ? ` (${result.kept_auto_renew} expired auto-renew kept; add --include-auto-renew to delete them)` : ''),
    );
    return ExitCode.ok;
  }
  const ref = await resolveScopeRef(deps.store, opts);
  const question = `Delete ${opts.names.join(', ')} (${ref.scope}) from the keychain?`;
  await confirmDestructive(deps.io, { yes: opts.yes, question, action: DELETING, declined: 'no keychain entry deleted' });
  // Every name checked before anything is deleted: bad input writes nothing.
  for (const name of opts.names) keychain.keychainCacheKey(name, ref);
  const results = [];
  for (const name of opts.names) results.push(await keychain.deleteKeychainEntry(deps.store, name, ref));
  printStructured(deps.io, opts.output, results);
  for (const r of results) {
    if (r.status === 'success') deps.info(`deleted '${r.keychain_name}' (${r.cache_key})`);
    else deps.io.stderr.write(`error: KEYCHAIN: Entry '${r.keychain_name}' not found (cache key ${r.cache_key})${await otherVersionHint(deps.store, r.keychain_name, ref.catalogId)}\n`);
  }
  return results.some((r) => r.status === 'not_found') ? ExitCode.notFound : ExitCode.ok;
}
