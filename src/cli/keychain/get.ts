import { Command } from 'commander';
import type { KeySet } from '../../core/envelope.js';
import { relativeTime } from '../../core/duration.js';
import type { Store } from '../../backends/sql/store.js';
import type { CommandContext } from '../context.js';
import { hasReason, notFoundError } from '../../core/errors.js';
import { ExitCode } from '../exit-codes.js';
import type { IO } from '../io.js';
import { keyValueView, printData, printStructured, type OutputFormat } from '../output.js';
import { otherVersionHint } from './not-found.js';
import { addScopeOptions, checkPlaybookFlags, checkScopeFlags, durationFlag, resolveScopeRef, shownData, type ScopeFlags } from './common.js';

export interface GetOptions extends ScopeFlags {
  name: string;
  reveal: boolean;
  field?: string;
  /** false: never renew, report expired (--no-renew). */
  renew: boolean;
  refreshMargin?: string;
  timeout?: string;
  output: OutputFormat;
}

export interface GetDeps {
  io: IO;
  store: Store;
  keys: KeySet;
  warn(message: string): void;
}

export function newGetCommand(ctx: CommandContext): Command {
  const command = new Command('get')
    .description('Read a keychain entry (renewing an auto-renew entry that is expired or about to expire). Exit 0 ok, 5 expired, 3 not found')
    .argument('<name>', 'the keychain entry name');
  addScopeOptions(command)
    .option('--reveal', 'show the token data (masked otherwise)')
    .option('--field <field>', 'print one field of the token data (raw, no newline, with --reveal)')
    .option('--no-renew', 'do not renew: report an expired entry as expired')
    .option('--refresh-margin <duration>', 'renew this long before expiry (default: max(60s, 10% of the TTL))')
    .option('--timeout <duration>', 'HTTP timeout of a renewal (default 10s, at most 600s)')
    .addHelpText(
      'after',
      `
Examples:
  $ noetl keychain get amadeus_token --playbook integrations/travel_booking
  $ TOKEN=$(noetl keychain get amadeus_token --playbook integrations/travel_booking --field access_token --reveal)
  $ noetl keychain get user_session --catalog-id 518486534513754563 --scope local --execution 518508477736551392 -o json`,
    )
    .action(async (name: string, opts: Omit<GetOptions, 'name' | 'output'>) => {
      checkScopeFlags(opts);
      checkPlaybookFlags(opts);
      durationFlag(opts.refreshMargin, '--refresh-margin');
      durationFlag(opts.timeout, '--timeout');
      const store = await ctx.openStore();
      const keys = await ctx.keys('read');
      const code = await runGet(
        { ...opts, name, reveal: Boolean(opts.reveal), renew: opts.renew !== false, output: ctx.globals().output },
        { io: ctx.io, store, keys, warn: (m) => ctx.warn(m) },
      );
      ctx.setExitCode(code);
    });
  return command;
}

/** Prints the entry; returns the exit code (0 success, 5 expired, 3 not found). */
export async function runGet(opts: GetOptions, deps: GetDeps): Promise<number> {
  const ref = await resolveScopeRef(deps.store, opts);
  const refreshMarginSeconds = durationFlag(opts.refreshMargin, '--refresh-margin');
  const { getKeychainEntry, listKeychainEntries } = await import('../../backends/sql/keychain.js');
  const { renewTimeoutMs } = await import('../../backends/sql/renew.js');
  const timeoutMs = renewTimeoutMs(durationFlag(opts.timeout, '--timeout'), '--timeout');
  let result: Awaited<ReturnType<typeof getKeychainEntry>>;
  try {
    result = await getKeychainEntry(deps.store, deps.keys, opts.name, ref, { renew: opts.renew, refreshMarginSeconds, timeoutMs });
  } catch (err) {
    // A failed renewal may have used a plaintext renew_config: say so with the error.
    if (hasReason(err, 'renew-failed')) for (const w of err.warnings) deps.warn(w);
    throw err;
  }
  const { response, warnings } = result;
  for (const w of warnings) deps.warn(w);
  const now = deps.store.now();

  if (response.status === 'not_found') {
    printStructured(deps.io, opts.output, response);
    const elsewhere = await listKeychainEntries(deps.store, { catalogId: ref.catalogId, name: opts.name });
    const hint = elsewhere.length
      ? `; it exists as ${elsewhere.map((e) => `--scope ${e.scope_type}${e.execution_id ? ` --execution ${e.execution_id}` : ''}`).join(' or ')}`
      : await otherVersionHint(deps.store, opts.name, ref.catalogId);
    deps.io.stderr.write(`error: KEYCHAIN: Entry '${opts.name}' not found (cache key ${response.cache_key})${hint}\n`);
    return ExitCode.notFound;
  }

  if (response.status === 'expired') {
    const shown = { ...response, renew_config: response.renew_config === undefined ? undefined : shownData(response.renew_config, opts.reveal) };
    printStructured(deps.io, opts.output, shown);
    const why = response.auto_renew ? 'auto-renew is on: read it without --no-renew, or run `noetl keychain renew`' : 'set it again or enable auto-renew';
    deps.io.stderr.write(`error: KEYCHAIN: Entry '${opts.name}' ${relativeTime(new Date(response.expires_at), now)}: ${why}\n`);
    return ExitCode.expired;
  }

  if (opts.field !== undefined) {
    if (!Object.hasOwn(response.token_data, opts.field)) {
      throw notFoundError(`entry '${opts.name}' has no field '${opts.field}'; its fields: ${Object.keys(response.token_data).join(', ') || '(none)'}`);
    }
    const value = response.token_data[opts.field];
    if (opts.reveal) {
      deps.io.stdout.write(typeof value === 'string' ? value : JSON.stringify(value));
    } else {
      deps.io.stdout.write(`${JSON.stringify(shownData(value, false))}\n`);
      deps.warn('the value is masked: add --reveal to print it');
    }
    return ExitCode.ok;
  }

  const shown = { ...response, token_data: shownData(response.token_data, opts.reveal) };
  printData(deps.io, opts.output, shown, () =>
    keyValueView([
      ['name', response.keychain_name],
      ['cache key', response.cache_key],
      ['scope', response.scope_type],
      ['credential type', response.credential_type],
      ['cache type', response.cache_type],
      ['expires', `${relativeTime(new Date(response.expires_at), now)} (${response.expires_at})`],
      ['auto-renew', response.auto_renew ? (response.renewed ? 'yes (renewed now)' : 'yes') : 'no'],
      ['accesses', String(response.access_count)],
      ...Object.entries(shown.token_data as Record<string, unknown>).map(([k, v]): [string, string] => [`data.${k}`, typeof v === 'string' ? v : JSON.stringify(v)]),
    ]),
  );
  return ExitCode.ok;
}
