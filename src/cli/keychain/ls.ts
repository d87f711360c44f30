import { Command, Option } from 'commander';
import type { KeychainListFilter } from '../../api/keychain.js';
import { relativeTime } from '../../core/duration.js';
import { isScopeType, SCOPE_TYPES, type ScopeType } from '../../core/scope.js';
import type { NoetlClient } from '../../api/index.js';
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
  client: NoetlClient;
  now(): Date;
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
      const full: LsOptions = { ...opts, expired: Boolean(opts.expired), output: ctx.globals().output };
      checkLsFlags(full);
      await runLs(full, { io: ctx.io, client: await ctx.client(), now: () => ctx.now() });
    });
  return command;
}

/** The filter the flags name, checked before anything is opened. */
function checkLsFlags(opts: LsOptions): KeychainListFilter {
  checkPlaybookFlags(opts, false);
  if (opts.scope !== undefined && !isScopeType(opts.scope)) throw invalidError(`--scope '${opts.scope}' is not one of ${SCOPE_TYPES.join(', ')}`);
  return {
    playbook: opts.playbook,
    catalog_id: opts.catalogId === undefined ? undefined : id64Arg(opts.catalogId, '--catalog-id'),
    scope: opts.scope as ScopeType | undefined,
    execution_id: opts.execution === undefined ? undefined : id64Arg(opts.execution, '--execution'),
    expired: opts.expired ? true : undefined,
    name: opts.name,
  };
}

export async function runLs(opts: LsOptions, deps: LsDeps): Promise<void> {
  const entries = await deps.client.keychain.list(checkLsFlags(opts));
  const now = deps.now();
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
