/**
 * `noetl serve`: checks its flags before opening anything, opens the client and the token
 * authority of the configured database, listens, and on SIGTERM stops taking requests,
 * finishes the ones in flight and returns (exit 0).
 */
import type { NoetlClient } from '../../api/index.js';
import type { TokenAuthority } from '../../api/tokens.js';
import { invalidError } from '../../core/errors.js';
import { buildServer } from '../../server/app.js';
import { isLoopback, parseListen } from '../../server/listen.js';
import { jsonLogger, type LogLevel } from '../../server/log.js';
import { readTls, serveUntilStopped, warnPlainHttp } from '../http-listener.js';
import type { IO } from '../io.js';
import { VERSION } from '../version.js';

export interface ServeOptions {
  listen: string;
  tlsCert?: string;
  tlsKey?: string;
  bodyLimit: number;
  requestTimeoutMs: number;
  logLevel: LogLevel;
  insecureNoAuth: boolean;
}

export interface ServeDeps {
  io: IO;
  /** Opens the client and the token authority (after the flags are checked). */
  open(): Promise<{ client: NoetlClient; tokens: TokenAuthority }>;
  warn(message: string): void;
  /** Resolves when the server is to stop (SIGTERM), with the reason. */
  stopped: Promise<string>;
}

/** Resolves with the signal's name the first time it arrives. */
export function untilSignal(signal: NodeJS.Signals): Promise<string> {
  return new Promise((resolve) => process.once(signal, () => resolve(signal)));
}

export async function runServe(opts: ServeOptions, deps: ServeDeps): Promise<void> {
  const address = parseListen(opts.listen);
  const loopback = isLoopback(address.host);
  if (opts.insecureNoAuth && !loopback) {
    throw invalidError(`--insecure-no-auth is only allowed on a loopback address (127.0.0.1, ::1), not ${address.host}: create tokens with noetl token create instead`);
  }
  const https = await readTls(opts);

  const logger = jsonLogger((line) => deps.io.stderr.write(line), opts.logLevel);
  if (opts.insecureNoAuth) {
    deps.warn('AUTHENTICATION IS OFF (--insecure-no-auth): every request is served as admin, secrets included.');
    deps.warn('Anyone who can reach this address, including any process on this machine, can read and change every credential. Never use this outside local development.');
  }
  warnPlainHttp(address, Boolean(https), 'tokens and secrets', deps.warn);

  const { client, tokens } = await deps.open();
  if (client.backend.kind === 'embedded') {
    deps.warn(`serving the embedded database ${client.backend.location}: other noetl commands on it wait until this server stops (create tokens first; use PostgreSQL to share it)`);
  }
  const app = buildServer({ client, tokens, auth: !opts.insecureNoAuth, logger, bodyLimit: opts.bodyLimit, requestTimeoutMs: opts.requestTimeoutMs, https, version: VERSION });
  await serveUntilStopped(app, { address, listen: opts.listen, tls: Boolean(https), logger, stopped: deps.stopped, fields: { backend: client.backend.kind, auth: !opts.insecureNoAuth, version: VERSION } });
}
