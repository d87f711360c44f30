import { Command, InvalidArgumentError, Option } from 'commander';
import { checkDuration } from '../../core/duration.js';
import { LOG_LEVELS, type LogLevel } from '../../server/log.js';
import { DEFAULT_LISTEN, parseByteSize } from '../../server/listen.js';
import type { CommandContext } from '../context.js';
import type { ServeOptions } from './run.js';

export function newServeCommand(ctx: CommandContext): Command {
  return new Command('serve')
    .description("Serve NoETL's authentication data plane over HTTP (API.md), with service-token auth (noetl token create)")
    .addOption(new Option('--listen <host:port>', 'address to listen on (loopback by default)').default(DEFAULT_LISTEN))
    .option('--tls-cert <file>', 'PEM certificate chain: serve HTTPS (with --tls-key)')
    .option('--tls-key <file>', 'PEM private key of --tls-cert')
    .addOption(new Option('--body-limit <size>', 'largest request body (413 beyond), e.g. 512k, 1m').default(1024 * 1024, '1m').argParser(parseBodyLimit))
    .addOption(new Option('--request-timeout <duration>', 'time allowed to receive a request; a connection silent for as long is closed').default(30, '30s').argParser(parseTimeout))
    .addOption(new Option('--log-level <level>', 'request log lines (JSON, stderr) at this level and above').choices(LOG_LEVELS).default('info'))
    .option('--insecure-no-auth', 'accept requests without a token, as admin (loopback listeners only; for local development)')
    .addHelpText(
      'after',
      `
Examples:
  $ noetl token create worker --role reader --ttl 90d > worker.token
  $ noetl serve
  $ noetl serve --listen 0.0.0.0:8443 --tls-cert cert.pem --tls-key key.pem
  $ noetl --database-url postgres://noetl@db/noetl serve --listen 0.0.0.0:8082 --log-level warn

Then: curl -H "Authorization: Bearer $(cat worker.token)" http://127.0.0.1:8082/metrics

Routes: GET /health (liveness), GET /ready (database reachable, schema current), GET /metrics,
GET /openapi.json. Every route but /health, /ready and /openapi.json needs a token.
SIGTERM finishes the requests in flight, then exits 0.`,
    )
    .action(async (opts: { listen: string; tlsCert?: string; tlsKey?: string; bodyLimit: number; requestTimeout: number; logLevel: LogLevel; insecureNoAuth?: boolean }) => {
      const { runServe, untilSignal } = await import('./run.js');
      const options: ServeOptions = {
        listen: opts.listen,
        tlsCert: opts.tlsCert,
        tlsKey: opts.tlsKey,
        bodyLimit: opts.bodyLimit,
        requestTimeoutMs: opts.requestTimeout * 1000,
        logLevel: opts.logLevel,
        insecureNoAuth: Boolean(opts.insecureNoAuth),
      };
      await runServe(options, { io: ctx.io, open: () => ctx.serverBackend(), warn: (m) => ctx.warn(m), stopped: untilSignal('SIGTERM') });
    });
}

export function parseBodyLimit(value: string): number {
  const bytes = parseByteSize(value);
  if (bytes === undefined) throw new InvalidArgumentError('expected a size from 1 byte to 64m, e.g. 512k or 1m');
  return bytes;
}

export function parseTimeout(value: string): number {
  const checked = checkDuration(value);
  if ('problem' in checked || checked.seconds > 3600) throw new InvalidArgumentError('expected a duration from 1s to 1h, e.g. 30s');
  return checked.seconds;
}
