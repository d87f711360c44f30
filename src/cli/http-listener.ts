/**
 * What `noetl serve` and `noetl gateway` share around their Fastify app: --tls-cert/--tls-key
 * (both or neither, read before anything is opened), the warning for plain HTTP beyond
 * loopback, listening (a one-line reason for the usual failures), and the graceful stop: when
 * `stopped` resolves (SIGTERM), no new requests are taken, the ones in flight finish, and the
 * call returns.
 */
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { invalidError, unavailableError } from '../core/errors.js';
import { isLoopback, urlOf, type ListenAddress } from '../server/listen.js';
import type { ServerLogger } from '../server/log.js';
import { readTextFile } from './io.js';

export interface TlsFlags {
  tlsCert?: string;
  tlsKey?: string;
}

/** The PEM certificate chain and key of --tls-cert/--tls-key; undefined for plain HTTP. */
export async function readTls(flags: TlsFlags): Promise<{ cert: string; key: string } | undefined> {
  if (Boolean(flags.tlsCert) !== Boolean(flags.tlsKey)) throw invalidError('--tls-cert and --tls-key go together: give both, or neither');
  if (!flags.tlsCert || !flags.tlsKey) return undefined;
  return { cert: await readTextFile(flags.tlsCert, `--tls-cert ${flags.tlsCert}`), key: await readTextFile(flags.tlsKey, `--tls-key ${flags.tlsKey}`) };
}

/** Warns when plain HTTP is served beyond this machine; `exposed` says what would cross the network in clear. */
export function warnPlainHttp(address: ListenAddress, tls: boolean, exposed: string, warn: (message: string) => void): void {
  if (!tls && !isLoopback(address.host)) warn(`serving plain HTTP on ${address.host}: ${exposed} cross the network in clear; use --tls-cert/--tls-key or a TLS-terminating proxy`);
}

/** Listens on the address; a failure closes the app and says why in one line. */
async function listenOrExplain(app: FastifyInstance, address: ListenAddress, listen: string): Promise<AddressInfo> {
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

/**
 * Serves `app` until `stopped` resolves: logs `listening` (its URL and `fields`), then
 * `shutting down` with the reason, closes the app gracefully and logs `stopped`.
 */
export async function serveUntilStopped(
  app: FastifyInstance,
  options: { address: ListenAddress; listen: string; tls: boolean; logger: ServerLogger; stopped: Promise<string>; fields: Record<string, unknown> },
): Promise<void> {
  const bound = await listenOrExplain(app, options.address, options.listen);
  options.logger.info('listening', { url: urlOf({ host: options.address.host, port: bound.port }, options.tls), ...options.fields });
  const reason = await options.stopped;
  options.logger.info('shutting down', { signal: reason });
  await app.close();
  options.logger.info('stopped');
}
