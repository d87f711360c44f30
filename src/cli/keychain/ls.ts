import { Command, Option } from 'commander';
import { relativeTime } from '../../core/duration.js';
import { isScopeType, SCOPE_TYPES, type ScopeType } from '../../core/scope.js';
import type { Store } from '../../backends/sql/store.js';
import type { CommandContext } from '../context.js';
import { invalidError } from '../../core/errors.js';
import type { IO } from '../io.js';
import { printData, type OutputFormat } from '../output.js';
import { addPlaybookOptions, checkPlaybookFlags } from './common.js';
import { id64Arg, withExecutionOption } from '../args.js';

export interface LsOptions {
  playbook?: string;
  catalogId?: string;
  scope?: string;
  execution?: string;
  expired: boolean;
  name?: string;
  output: OutputFormat;
}

export interface LsDeps {
  io: IO;
  store: Store;
}

export function newLsCommand(ctx: CommandContext): Command {
  const command = new Command('ls').description('List keychain entries (never their data)');
  addPlaybookOptions(command).addOption(new Option('--scope <scope>', 'only this scope').choices([...SCOPE_TYPES]));
  withExecutionOption(command, "only this execution's local entries and the shared entries of its tree")
    .option('--expired', 'only expired entries')
    .option('--name <name>', 'only entries with this name')
    .addHelpText(
      'after',
      `
Examples:
  $ noetl keychain ls
  $ noetl keychain ls --playbook integrations/travel_booking --expired
  $ noetl keychain ls --scope local --execution 518508477736551392 -o json`,
    )
    .action(async (opts: Omit<LsOptions, 'output' | 'expired'> & { expired?: boolean }) => {
      checkPlaybookFlags(opts, false);
      const store = await ctx.openStore();
      await runLs({ ...opts, expired: Boolean(opts.expired), output: ctx.globals().output }, { io: ctx.io, store });
    });
  return command;
}

export async function runLs(opts: LsOptions, deps: LsDeps): Promise<void> {
  checkPlaybookFlags(opts, false);
  if (opts.scope !== undefined && !isScopeType(opts.scope)) throw invalidError(`--scope '${opts.scope}' is not one of ${SCOPE_TYPES.join(', ')}`);
  const executionId = opts.execution === undefined ? undefined : id64Arg(opts.execution, '--execution');
  let catalogId: string | undefined;
  if (opts.playbook || opts.catalogId) {
    const { resolvePlaybookSelector } = await import('../../backends/local/catalog.js');
    catalogId = (await resolvePlaybookSelector(deps.store, { playbook: opts.playbook, catalog_id: opts.catalogId })).catalog_id;
  }
  const { listKeychainEntries } = await import('../../backends/sql/keychain.js');
  const entries = await listKeychainEntries(deps.store, {
    catalogId,
    scope: opts.scope as ScopeType | undefined,
    executionId,
    expired: opts.expired ? true : undefined,
    name: opts.name,
  });
  const now = deps.store.now();
  printData(deps.io, opts.output, entries, () => ({
    head: ['NAME', 'SCOPE', 'CACHE KEY', 'TYPE', 'STATUS', 'EXPIRES', 'AUTO-RENEW', 'ACCESSES'],
    rows: entries.map((e) => [
      e.keychain_name,
      e.scope_type,
      e.cache_key,
      e.credential_type,
      // Marked in words, not only by the sign of a time: `grep expired` and CI logs find it.
      e.expired ? (e.auto_renew ? 'expired (renews on read)' : 'expired') : 'valid',
      relativeTime(new Date(e.expires_at), now),
      e.auto_renew ? 'yes' : 'no',
      String(e.access_count),
    ]),
  }));
}
