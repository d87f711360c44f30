import { Command } from 'commander';
import type { NoetlClient } from '../../api/index.js';
import { relativeTime } from '../../core/duration.js';
import { hasReason, notFoundError } from '../../core/errors.js';
import type { CommandContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import type { IO } from '../io.js';
import { keyValueView, printData, printStructured, type OutputFormat } from '../output.js';
import { addScopeOptions, durationFlag, selectorOf, timeoutFlag, type ScopeFlags } from './common.js';
import { notFoundHint } from './not-found.js';

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
  client: NoetlClient;
  now(): Date;
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
      const full: GetOptions = { ...opts, name, reveal: Boolean(opts.reveal), renew: opts.renew !== false, output: ctx.globals().output };
      checkGetFlags(full);
      const code = await runGet(full, { io: ctx.io, client: await ctx.client(), now: () => ctx.now(), warn: (m) => ctx.warn(m) });
      ctx.setExitCode(code);
    });
  return command;
}

/** Every flag checked before anything is opened. */
function checkGetFlags(opts: GetOptions) {
  return {
    selector: selectorOf(opts),
    refreshMarginSeconds: durationFlag(opts.refreshMargin, '--refresh-margin'),
    timeoutSeconds: timeoutFlag(opts.timeout),
  };
}

/** Prints the entry; returns the exit code (0 success, 5 expired, 3 not found). */
export async function runGet(opts: GetOptions, deps: GetDeps): Promise<number> {
  const { selector, refreshMarginSeconds, timeoutSeconds } = checkGetFlags(opts);
  let result: Awaited<ReturnType<NoetlClient['keychain']['get']>>;
  try {
    result = await deps.client.keychain.get(opts.name, selector, {
      reveal: opts.reveal,
      renew: opts.renew,
      refresh_margin_seconds: refreshMarginSeconds,
      timeout_seconds: timeoutSeconds,
    });
  } catch (err) {
    // A failed renewal may have used a plaintext renew_config: say so with the error.
    if (hasReason(err, 'renew-failed')) for (const w of err.warnings) deps.warn(w);
    throw err;
  }
  const { warnings, ...response } = result;
  for (const w of warnings) deps.warn(w);
  const now = deps.now();

  if (response.status === 'not_found') {
    printStructured(deps.io, opts.output, response);
    deps.io.stderr.write(`error: KEYCHAIN: Entry '${opts.name}' not found (cache key ${response.cache_key})${notFoundHint(response)}\n`);
    return ExitCode.notFound;
  }

  if (response.status === 'expired') {
    printStructured(deps.io, opts.output, response);
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
      deps.io.stdout.write(`${JSON.stringify(value)}\n`);
      deps.warn('the value is masked: add --reveal to print it');
    }
    return ExitCode.ok;
  }

  printData(deps.io, opts.output, response, () =>
    keyValueView([
      ['name', response.keychain_name],
      ['cache key', response.cache_key],
      ['scope', response.scope_type],
      ['credential type', response.credential_type],
      ['cache type', response.cache_type],
      ['expires', `${relativeTime(new Date(response.expires_at), now)} (${response.expires_at})`],
      ['auto-renew', response.auto_renew ? (response.renewed ? 'yes (renewed now)' : 'yes') : 'no'],
      ['accesses', String(response.access_count)],
      ...Object.entries(response.token_data).map(([k, v]): [string, string] => [`data.${k}`, typeof v === 'string' ? v : JSON.stringify(v)]),
    ]),
  );
  return ExitCode.ok;
}
