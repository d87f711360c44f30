/**
 * `noetl serve`: checks its flags before opening anything, opens the client and the token
 * authority of the configured database, listens, and on SIGTERM stops taking requests,
 * finishes the ones in flight and returns (exit 0).
 */
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { NoetlClient } from '../../api/index.js';
import type { TokenAuthority } from '../../api/tokens.js';
import { invalidError, unavailableError } from '../../core/errors.js';
import { buildServer } from '../../server/app.js';
import { isLoopback, parseListen, urlOf, type ListenAddress } from '../../server/listen.js';
import { jsonLogger, type LogLevel } from '../../server/log.js';
import { readTextFile, type IO } from '../io.js';
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

/** Listens on the address; a failure closes the app and says why in one line (`noetl serve`, `noetl gateway`). */
export async function listenOrExplain(app: FastifyInstance, address: ListenAddress, listen: string): Promise<AddressInfo> {
  try {
    await app.listen({ host: address.host, port: address.port });
  } catch (err) {
    await app.close();
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw unavailableError(`cannot listen on ${listen}: the address is in use`);
    if (code === 'EACCES') throw invalidError(`cannot listen on ${listen}: permission denied (ports below 1024 need privileges)`);
    if (code === 'EADDRNOTAVAIL') throw invalidError(`cannot listen on ${listen}: no such local address`);
    throw err;
  }
  return app.server.address() as AddressInfo;
}

export async function runServe(opts: ServeOptions, deps: ServeDeps): Promise<void> {
  const address = parseListen(opts.listen);
  const loopback = isLoopback(address.host);
  if (opts.insecureNoAuth && !loopback) {
    throw invalidError(`--insecure-no-auth is only allowed on a loopback address (127.0.0.1, ::1), not ${address.host}: create tokens with noetl token create instead`);
  }
  if (Boolean(opts.tlsCert) !== Boolean(opts.tlsKey)) throw invalidError('--tls-cert and --tls-key go together: give both, or neither');
  const https = opts.tlsCert && opts.tlsKey ? { cert: await readTextFile(opts.tlsCert, `--tls-cert ${opts.tlsCert}`), key: await readTextFile(opts.tlsKey, `--tls-key ${opts.tlsKey}`) } : undefined;

  const logger = jsonLogger((line) => deps.io.stderr.write(line), opts.logLevel);
  if (opts.insecureNoAuth) {
    deps.warn('AUTHENTICATION IS OFF (--insecure-no-auth): every request is served as admin, secrets included.');
    deps.warn('Anyone who can reach this address, including any process on this machine, can read and change every credential. Never use this outside local development.');
  }
  if (!https && !loopback) deps.warn(`serving plain HTTP on ${address.host}: tokens and secrets cross the network in clear; use --tls-cert/--tls-key or a TLS-terminating proxy`);

  const { client, tokens } = await deps.open();
  if (client.backend.kind === 'embedded') {
    deps.warn(`serving the embedded database ${client.backend.location}: other noetl commands on it wait until this server stops (create tokens first; use PostgreSQL to share it)`);
  }
  const app = buildServer({ client, tokens, auth: !opts.insecureNoAuth, logger, bodyLimit: opts.bodyLimit, requestTimeoutMs: opts.requestTimeoutMs, https, version: VERSION });
  const bound = await listenOrExplain(app, address, opts.listen);
  logger.info('listening', { url: urlOf({ host: address.host, port: bound.port }, Boolean(https)), backend: client.backend.kind, auth: !opts.insecureNoAuth, version: VERSION });

  const reason = await deps.stopped;
  logger.info('shutting down', { signal: reason });
  await app.close();
  logger.info('stopped');
}
