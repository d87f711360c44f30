import { Command, Option } from 'commander';
import type { NoetlClient } from '../../api/index.js';
import type { RenewConfig } from '../../api/keychain.js';
import type { CommandContext } from '../context.js';
import { invalidError } from '../../core/errors.js';
import { readObjectInput, type IO } from '../io.js';
import { printStructured, type OutputFormat } from '../output.js';
import { addScopeOptions, durationFlag, selectorOf, type ScopeFlags } from './common.js';

export interface SetOptions extends ScopeFlags {
  name: string;
  /** `@file` or `-`: the token data as a JSON/YAML object. */
  data?: string;
  ttl?: string;
  type?: string;
  cacheType?: 'secret' | 'token';
  /** `@file`: a schema (compact or JSON Schema) the data must satisfy. */
  schema?: string;
  autoRenew: boolean;
  /** `@file` or `-`: renew_config (endpoint, method, headers, data, token_field, ttl_field). */
  renewConfig?: string;
  output: OutputFormat;
}

export interface SetDeps {
  io: IO;
  client: NoetlClient;
  info(message: string): void;
}

export function newSetCommand(ctx: CommandContext): Command {
  const command = new Command('set')
    .description('Store a keychain entry (sealed), replacing one with the same cache key')
    .argument('<name>', 'the keychain entry name, e.g. amadeus_token')
    .requiredOption('--data <@file|->', 'the token data, a JSON or YAML object: @FILE or - for stdin');
  addScopeOptions(command)
    .option('--ttl <duration>', 'lifetime: 90s, 30m, 24h, 7d (default 1h for local, 24h otherwise)')
    .option('--type <credential-type>', 'credential type recorded with it (default oauth2 with --auto-renew, else static)')
    .addOption(new Option('--cache-type <type>', 'secret (static) or token (refreshable)').choices(['secret', 'token']))
    .option('--schema <@file>', 'validate the data against this schema (compact or JSON Schema) now and on every read')
    .option('--auto-renew', 'renew from --renew-config when it expires')
    .option('--renew-config <@file|->', 'renew_config: endpoint, method, headers, data, token_field, ttl_field')
    .addHelpText(
      'after',
      `
Examples:
  $ noetl keychain set amadeus_token --playbook integrations/travel_booking --data @token.json --ttl 30m
  $ noetl keychain set amadeus_token --playbook integrations/travel_booking --data @token.json --auto-renew --renew-config @renew.json
  $ vault read -format=json secret/session | noetl keychain set user_session --catalog-id 518486534513754563 --scope local --execution 518508477736551392 --data -`,
    )
    .action(async (name: string, opts: Omit<SetOptions, 'name' | 'output' | 'autoRenew'> & { autoRenew?: boolean }) => {
      const full: SetOptions = { ...opts, name, autoRenew: Boolean(opts.autoRenew), output: ctx.globals().output };
      checkSetFlags(full);
      await runSet(full, { io: ctx.io, client: await ctx.client(), info: (m) => ctx.info(m) });
    });
  return command;
}

/** Everything that can be checked without a database, checked first. */
function checkSetFlags(opts: SetOptions) {
  const selector = selectorOf(opts);
  const ttlSeconds = durationFlag(opts.ttl, '--ttl');
  if (!opts.data) throw invalidError('--data is required: @FILE or - (stdin) with the token data as a JSON object');
  if (opts.autoRenew && !opts.renewConfig) throw invalidError('--auto-renew needs --renew-config @FILE (endpoint, method, headers, data)');
  if (opts.renewConfig && !opts.autoRenew) throw invalidError('--renew-config is only used with --auto-renew: add --auto-renew');
  if (opts.data === '-' && (opts.renewConfig === '-' || opts.schema === '-')) throw invalidError('only one input can come from stdin (-): pass the others as @FILE');
  return { selector, ttlSeconds };
}

export async function runSet(opts: SetOptions, deps: SetDeps): Promise<void> {
  const { selector, ttlSeconds } = checkSetFlags(opts);
  const data = await readObjectInput(opts.data!, '--data', deps.io);
  const schema = opts.schema ? await readObjectInput(opts.schema, '--schema', deps.io) : undefined;
  const renewConfig = opts.renewConfig ? await readObjectInput(opts.renewConfig, '--renew-config', deps.io) : undefined;
  const { warnings: _none, ...response } = await deps.client.keychain.set({
    ...selector,
    name: opts.name,
    data,
    ttl_seconds: ttlSeconds,
    credential_type: opts.type,
    cache_type: opts.cacheType,
    schema,
    auto_renew: opts.autoRenew,
    renew_config: renewConfig as RenewConfig | undefined,
  });
  printStructured(deps.io, opts.output, response);
  deps.info(`stored keychain entry '${opts.name}' (${response.cache_key}), expires ${response.expires_at}${response.auto_renew ? ', auto-renew on' : ''}`);
}
