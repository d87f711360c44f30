import { Command, InvalidArgumentError, Option } from 'commander';
import type { NoetlClient } from '../../api/index.js';
import { TOKEN_ROLES, type TokenRole } from '../../api/tokens.js';
import { checkDuration, durationProblem } from '../../core/duration.js';
import type { CommandContext } from '../context.js';
import type { IO } from '../io.js';
import { printStructured, type OutputFormat } from '../output.js';

export interface TokenCreateOptions {
  name: string;
  role: TokenRole;
  /** Seconds until it expires; null: never. */
  ttlSeconds: number | null;
  output: OutputFormat;
}

export interface TokenDeps {
  io: IO;
  client: NoetlClient;
  /** Progress and confirmations (stderr), silenced by --quiet. */
  info(message: string): void;
}

export function newTokenCreateCommand(ctx: CommandContext): Command {
  return new Command('create')
    .description('Create a service token and print it, this once (only its SHA-256 is stored)')
    .argument('<name>', 'token name (who uses it: ci-reader, worker-prod)')
    .addOption(new Option('--role <role>', 'what it may do: reader < writer < revealer < admin').choices(TOKEN_ROLES).makeOptionMandatory())
    .addOption(new Option('--ttl <duration>', 'how long it is valid (90d, 12h, 2w), or never').default(90 * 86_400, '90d').argParser(parseTtl))
    .addHelpText(
      'after',
      '\nExamples:\n  $ noetl token create ci-reader --role reader --ttl 30d > ci-reader.token\n  $ noetl token create worker-prod --role revealer -o json   # {"name", "role", "token", "expires_at"}\n  $ noetl token create bootstrap --role admin --ttl 1h',
    )
    .action(async (name: string, opts: { role: TokenRole; ttl: number | null }) => {
      await runTokenCreate(
        { name, role: opts.role, ttlSeconds: opts.ttl, output: ctx.globals().output },
        { io: ctx.io, client: await ctx.client(), info: (m) => ctx.info(m) },
      );
    });
}

/** --ttl: a duration, or `never`. */
function parseTtl(value: string): number | null {
  if (value.trim().toLowerCase() === 'never') return null;
  const checked = checkDuration(value);
  if ('problem' in checked) throw new InvalidArgumentError(`${durationProblem(checked.problem)}, or never`);
  return checked.seconds;
}

/** Creates the token; the token alone on stdout (or the whole record with -o json/yaml), what to do with it on stderr. */
export async function runTokenCreate(opts: TokenCreateOptions, deps: TokenDeps): Promise<void> {
  const created = await deps.client.tokens.create({ name: opts.name, role: opts.role, ttl_seconds: opts.ttlSeconds });
  if (opts.output === 'table') deps.io.stdout.write(`${created.token}\n`);
  else printStructured(deps.io, opts.output, created);
  const expiry = created.expires_at ? `expires ${created.expires_at}` : 'never expires';
  deps.info(`created token '${created.name}' (${created.role}, ${expiry}): it is shown only this once; keep it in a secret store`);
}
