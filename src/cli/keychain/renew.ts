import { Command } from 'commander';
import type { KeySet } from '../../core/envelope.js';
import { relativeTime } from '../../core/duration.js';
import type { Store } from '../../backends/sql/store.js';
import type { CommandContext } from '../context.js';
import { hasReason, invalidError, NoetlError } from '../../core/errors.js';
import { EXIT_CODE_OF, ExitCode } from '../exit-codes.js';
import type { IO } from '../io.js';
import { printStructured, type OutputFormat } from '../output.js';
import { addScopeOptions, checkPlaybookFlags, checkScopeFlags, durationFlag, resolveScopeRef, type ScopeFlags } from './common.js';

export interface RenewCommandOptions extends ScopeFlags {
  names: string[];
  timeout?: string;
  output: OutputFormat;
}

export interface RenewDeps {
  io: IO;
  store: Store;
  keys: KeySet;
  info(message: string): void;
  warn(message: string): void;
}

export function newRenewCommand(ctx: CommandContext): Command {
  const command = new Command('renew').description('Renew auto-renew entries now from their renew_config').argument('<names...>', 'entry names');
  addScopeOptions(command)
    .option('--timeout <duration>', 'HTTP timeout of the token request (default 10s, at most 600s)')
    .addHelpText(
      'after',
      `
Examples:
  $ noetl keychain renew amadeus_token --playbook integrations/travel_booking
  $ noetl keychain renew amadeus_token openai_token --catalog-id 518486534513754563 --timeout 30s -o json

The token request follows redirects only within the endpoint's origin (credentials never go
elsewhere), refuses plain http:// beyond loopback unless the renew_config says
allow_insecure_http: true, and reads at most 1 MiB of response. An expires_in that is not a
positive number of seconds up to 10 years fails the renewal; the entry is left as it was.
A renew_config stored in plaintext (not sealed) is used with a warning each time; with
--require-sealed it is refused.`,
    )
    .action(async (names: string[], opts: Omit<RenewCommandOptions, 'names' | 'output'>) => {
      checkScopeFlags(opts);
      checkPlaybookFlags(opts);
      durationFlag(opts.timeout, '--timeout');
      const store = await ctx.openStore();
      const keys = await ctx.keys('write');
      ctx.setExitCode(await runRenew({ ...opts, names, output: ctx.globals().output }, { io: ctx.io, store, keys, info: (m) => ctx.info(m), warn: (m) => ctx.warn(m) }));
    });
  return command;
}

/** Renews each named entry; returns 0, or the first failure's exit code (1 renewal failed, 3 not found). */
export async function runRenew(opts: RenewCommandOptions, deps: RenewDeps): Promise<number> {
  if (!opts.names.length) throw invalidError('name the entries to renew');
  const { keychainCacheKey, selectKeychainRow } = await import('../../backends/sql/keychain.js');
  const { renewKeychainEntry, renewTimeoutMs } = await import('../../backends/sql/renew.js');
  const timeoutMs = renewTimeoutMs(durationFlag(opts.timeout, '--timeout'), '--timeout');
  const ref = await resolveScopeRef(deps.store, opts);
  const results: { keychain_name: string; cache_key: string; status: string; expires_at?: string; error?: string }[] = [];
  let exitCode: number = ExitCode.ok;
  for (const name of opts.names) {
    const key = keychainCacheKey(name, ref);
    const row = await selectKeychainRow(deps.store, key);
    if (!row) {
      results.push({ keychain_name: name, cache_key: key, status: 'not_found', error: `KEYCHAIN: Entry '${name}' not found (cache key ${key})` });
      if (exitCode === ExitCode.ok) exitCode = ExitCode.notFound;
      continue;
    }
    if (!row.auto_renew) {
      results.push({ keychain_name: name, cache_key: key, status: 'failed', error: `KEYCHAIN: Entry '${name}' is not auto-renew: set it again with --auto-renew --renew-config @FILE` });
      if (exitCode === ExitCode.ok) exitCode = ExitCode.failure;
      continue;
    }
    try {
      const outcome = await renewKeychainEntry(deps.store, deps.keys, key, { force: true, timeoutMs });
      for (const w of outcome.warnings) deps.warn(w);
      results.push({ keychain_name: name, cache_key: key, status: 'renewed', expires_at: outcome.row.expires_at.toISOString() });
    } catch (err) {
      if (!(err instanceof NoetlError)) throw err;
      if (hasReason(err, 'renew-failed')) for (const w of err.warnings) deps.warn(w);
      results.push({ keychain_name: name, cache_key: key, status: 'failed', error: err.message });
      if (exitCode === ExitCode.ok) exitCode = EXIT_CODE_OF[err.code];
    }
  }
  printStructured(deps.io, opts.output, results);
  const now = deps.store.now();
  for (const r of results) {
    if (r.error) deps.io.stderr.write(`error: ${r.error}\n`);
    else deps.info(`renewed '${r.keychain_name}', expires ${relativeTime(new Date(r.expires_at!), now)}`);
  }
  return exitCode;
}
