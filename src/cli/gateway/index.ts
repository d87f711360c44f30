import { Command, InvalidArgumentError, Option } from 'commander';
import { checkDuration } from '../../core/duration.js';
import { LOG_LEVELS } from '../../server/log.js';
import type { CommandContext } from '../context.js';
import { parseBodyLimit, parseTimeout } from '../serve/index.js';
import type { GatewayCliOptions } from './run.js';

/** Seed 002's gateway port. */
const DEFAULT_GATEWAY_LISTEN = '127.0.0.1:8090';

export function newGatewayCommand(ctx: CommandContext): Command {
  return new Command('gateway')
    .description('Serve the NoETL gateway (seed 002): Auth0 login, sessions, playbook permissions and GraphQL execution')
    .addOption(new Option('--listen <host:port>', 'address to listen on (loopback by default)').default(DEFAULT_GATEWAY_LISTEN))
    .option('--tls-cert <file>', 'PEM certificate chain: serve HTTPS (with --tls-key)')
    .option('--tls-key <file>', 'PEM private key of --tls-cert')
    .addOption(new Option('--body-limit <size>', 'largest request body (413 beyond), e.g. 512k, 1m').default(1024 * 1024, '1m').argParser(parseBodyLimit))
    .addOption(new Option('--request-timeout <duration>', 'time allowed to receive a request; a connection silent for as long is closed').default(30, '30s').argParser(parseTimeout))
    .addOption(new Option('--log-level <level>', 'request log lines (JSON, stderr) at this level and above').choices(LOG_LEVELS).default('info'))
    .addOption(new Option('--auth0-domain <domain>', 'an Auth0 tenant to trust (your-tenant.auth0.com) or an issuer URL; repeatable').argParser(collect).default([], 'none'))
    .option('--auth0-audience <audience>', 'the API identifier (aud) access tokens must be issued for')
    .option('--jwks-url <url>', "the issuer's key set, instead of https://<domain>/.well-known/jwks.json (tests, private issuers; one --auth0-domain)")
    .option('--noetl-server <url>', 'the NoETL server executions are forwarded to (POST /api/execute)')
    .addOption(new Option('--default-role <role>', 'the role a user gets at first login').default('viewer'))
    .addOption(new Option('--session-max <duration>', 'the longest session a login may ask for').default(24 * 3600, '24h').argParser(durationIn(60, 30 * 86400, '24h')))
    .addOption(new Option('--idle-timeout <duration>', 'a session unused for this long ends').default(2 * 3600, '2h').argParser(durationIn(60, 30 * 86400, '2h')))
    .option('--session-cookie', 'login also sets the cookie session_token (HttpOnly; Secure; SameSite=Strict)')
    .option('--graphiql', 'serve the GraphiQL page at /graphiql')
    .addOption(new Option('--login-limit <n>', 'login attempts per minute per client address, and per user a third of it (0: no limit)').default(30).argParser(count))
    .addHelpText(
      'after',
      `
Examples:
  $ noetl gateway --auth0-domain your-tenant.auth0.com --auth0-audience https://noetl.example.com/api --noetl-server http://noetl:8082
  $ noetl --database-url postgres://noetl@db/noetl gateway --listen 0.0.0.0:8090 --tls-cert cert.pem --tls-key key.pem \\
      --auth0-domain your-tenant.auth0.com --auth0-audience https://noetl.example.com/api --noetl-server http://noetl:8082
  $ noetl gateway --auth0-domain http://127.0.0.1:4000 --jwks-url http://127.0.0.1:4000/jwks --auth0-audience noetl

Routes (seed 002): POST /api/auth/login, /api/auth/validate, /api/auth/check-access, /api/auth/logout,
POST /graphql (session), GET /health, /ready; admin routes (/api/users, /api/roles,
/api/access/permissions) need an admin service token (noetl token create NAME --role admin).
SIGTERM finishes the requests in flight, then exits 0.`,
    )
    .action(async (opts: GatewayCliOptions) => {
      const { runGateway } = await import('./run.js');
      const { untilSignal } = await import('../serve/run.js');
      await runGateway(opts, { io: ctx.io, open: () => ctx.serverBackend(), warn: (m) => ctx.warn(m), now: () => ctx.now(), stopped: untilSignal('SIGTERM') });
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function count(value: string): number {
  if (!/^\d{1,6}$/.test(value.trim())) throw new InvalidArgumentError('expected a whole number, e.g. 30 (0: no limit)');
  return Number(value);
}

function durationIn(minSeconds: number, maxSeconds: number, example: string): (value: string) => number {
  return (value) => {
    const checked = checkDuration(value);
    if ('problem' in checked || checked.seconds < minSeconds || checked.seconds > maxSeconds) throw new InvalidArgumentError(`expected a duration from 1m to 30d, e.g. ${example}`);
    return checked.seconds;
  };
}
