/**
 * `noetl gateway`: checks its flags before opening anything, opens the database (its `auth`
 * tables, the service tokens of the admin routes), listens, and on SIGTERM stops taking
 * requests, finishes the ones in flight and returns (exit 0). The listening, TLS and graceful
 * stop are `noetl serve`'s (src/cli/http-listener.ts), as are the limits and logs (buildServer).
 */
import { invalidError, notFoundError } from '../../core/errors.js';
import { buildGateway } from '../../gateway/app.js';
import { IssuerSet } from '../../gateway/issuers.js';
import { NoetlServer } from '../../gateway/noetl-server.js';
import { GatewayService } from '../../gateway/service.js';
import { parseListen } from '../../server/listen.js';
import { jsonLogger, type LogLevel } from '../../server/log.js';
import type { ServerBackend } from '../context.js';
import { readTls, serveUntilStopped, warnPlainHttp } from '../http-listener.js';
import type { IO } from '../io.js';
import { VERSION } from '../version.js';

export interface GatewayCliOptions {
  listen: string;
  tlsCert?: string;
  tlsKey?: string;
  bodyLimit: number;
  /** Seconds. */
  requestTimeout: number;
  logLevel: LogLevel;
  auth0Domain: string[];
  auth0Audience?: string;
  jwksUrl?: string;
  noetlServer?: string;
  defaultRole: string;
  /** Seconds. */
  sessionMax: number;
  /** Seconds. */
  idleTimeout: number;
  sessionCookie?: boolean;
  graphiql?: boolean;
  loginLimit: number;
}

export interface GatewayDeps {
  io: IO;
  open(): Promise<ServerBackend>;
  warn(message: string): void;
  now(): Date;
  stopped: Promise<string>;
}

function httpUrl(value: string, flag: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalidError(`${flag} ${value.slice(0, 100)} is not a URL (e.g. http://127.0.0.1:8082)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalidError(`${flag} must be an http:// or https:// URL`);
  return value;
}

export async function runGateway(opts: GatewayCliOptions, deps: GatewayDeps): Promise<void> {
  const address = parseListen(opts.listen);
  if (opts.jwksUrl) httpUrl(opts.jwksUrl, '--jwks-url');
  const noetlServer = opts.noetlServer ? new NoetlServer(httpUrl(opts.noetlServer, '--noetl-server')) : undefined;
  const issuers = new IssuerSet({ domains: opts.auth0Domain, audience: opts.auth0Audience ?? '', jwksUrl: opts.jwksUrl }, deps.now);
  const https = await readTls(opts);

  const logger = jsonLogger((line) => deps.io.stderr.write(line), opts.logLevel);
  warnPlainHttp(address, Boolean(https), 'session tokens', deps.warn);
  if (!noetlServer) deps.warn('no --noetl-server: logins and access checks work, executePlaybook and execution answer "unavailable"');

  const { client, tokens, store } = await deps.open();
  if (client.backend.kind === 'embedded') {
    deps.warn(`serving the embedded database ${client.backend.location}: other noetl commands on it wait until this gateway stops (use PostgreSQL to share it)`);
  }
  const service = new GatewayService(store, {
    defaultRole: opts.defaultRole,
    defaultHours: Math.min(8, opts.sessionMax / 3600),
    maxHours: opts.sessionMax / 3600,
    idleTimeoutMs: opts.idleTimeout * 1000,
  });
  if (!client.access) throw invalidError('noetl gateway needs a direct database connection (not available over a server)');
  const roles = (await client.access.roles()).map((role) => role.role_name);
  if (!roles.includes(opts.defaultRole)) throw notFoundError(`--default-role ${opts.defaultRole.slice(0, 50)}: no such role (the roles are ${roles.join(', ')})`);
  const app = buildGateway({
    service,
    issuers,
    noetlServer,
    client,
    tokens,
    logger,
    bodyLimit: opts.bodyLimit,
    requestTimeoutMs: opts.requestTimeout * 1000,
    https,
    version: VERSION,
    sessionCookie: Boolean(opts.sessionCookie),
    graphiql: Boolean(opts.graphiql),
    loginLimit: { perIp: opts.loginLimit, perUser: Math.ceil(opts.loginLimit / 3), windowMs: 60_000 },
  });
  await serveUntilStopped(app, {
    address,
    listen: opts.listen,
    tls: Boolean(https),
    logger,
    stopped: deps.stopped,
    fields: { backend: client.backend.kind, issuers: issuers.domains, noetl_server: opts.noetlServer ?? null, version: VERSION },
  });
}
