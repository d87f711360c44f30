import { Command } from 'commander';
import type { NoetlClient } from '../../api/index.js';
import { relativeTime } from '../../core/duration.js';
import { invalidError } from '../../core/errors.js';
import type { CommandContext } from '../context.js';
import { EXIT_CODE_OF, ExitCode } from '../exit-codes.js';
import type { IO } from '../io.js';
import { printStructured, type OutputFormat } from '../output.js';
import { addScopeOptions, selectorOf, timeoutFlag, type ScopeFlags } from './common.js';

export interface RenewCommandOptions extends ScopeFlags {
  names: string[];
  timeout?: string;
  output: OutputFormat;
}

export interface RenewDeps {
  io: IO;
  client: NoetlClient;
  now(): Date;
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
      const full: RenewCommandOptions = { ...opts, names, output: ctx.globals().output };
      checkRenewFlags(full);
      const deps: RenewDeps = { io: ctx.io, client: await ctx.client(), now: () => ctx.now(), info: (m) => ctx.info(m), warn: (m) => ctx.warn(m) };
      ctx.setExitCode(await runRenew(full, deps));
    });
  return command;
}

function checkRenewFlags(opts: RenewCommandOptions) {
  if (!opts.names.length) throw invalidError('name the entries to renew');
  return { selector: selectorOf(opts), timeoutSeconds: timeoutFlag(opts.timeout) };
}

/** Renews each named entry; returns 0, or the first failure's exit code (1 renewal failed, 3 not found). */
export async function runRenew(opts: RenewCommandOptions, deps: RenewDeps): Promise<number> {
  const { selector, timeoutSeconds } = checkRenewFlags(opts);
  const { results, warnings } = await deps.client.keychain.renew(opts.names, selector, { timeout_seconds: timeoutSeconds });
  for (const w of warnings) deps.warn(w);
  printStructured(deps.io, opts.output, results);
  const now = deps.now();
  for (const r of results) {
    if (r.error) deps.io.stderr.write(`error: ${r.error}\n`);
    else deps.info(`renewed '${r.keychain_name}', expires ${relativeTime(new Date(r.expires_at!), now)}`);
  }
  const failed = results.find((r) => r.code !== undefined);
  return failed?.code ? EXIT_CODE_OF[failed.code] : ExitCode.ok;
}
