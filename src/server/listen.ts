/** Where `noetl serve` listens: `HOST:PORT`, `[IPv6]:PORT`, `:PORT` (loopback) or `PORT`; and whether that is loopback only. */
import { isIP } from 'node:net';
import { invalidError } from '../core/errors.js';

export const DEFAULT_LISTEN = '127.0.0.1:8082';

export interface ListenAddress {
  host: string;
  port: number;
}

export function parseListen(text: string): ListenAddress {
  const value = text.trim();
  const match = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(value) ?? /^()()(\d{1,5})$/.exec(value);
  const problem = () => invalidError(`--listen ${value.slice(0, 100)} is not HOST:PORT (e.g. 127.0.0.1:8082, [::1]:8082, 0.0.0.0:8082)`);
  if (!match) throw problem();
  const host = match[1] || match[2] || '127.0.0.1';
  const port = Number(match[3]);
  if (port > 65535) throw problem();
  if (match[1] && isIP(host) !== 6) throw problem();
  return { host, port };
}

/** True for an address only this machine can reach: 127.0.0.0/8, ::1, ::ffff:127.x, `localhost`. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  return h.startsWith('::ffff:127.');
}

/** `http://127.0.0.1:8082`, `https://[::1]:8443`. */
export function urlOf(address: ListenAddress, tls: boolean): string {
  const host = isIP(address.host) === 6 ? `[${address.host}]` : address.host;
  return `${tls ? 'https' : 'http'}://${host}:${address.port}`;
}

/** `--body-limit`: bytes, or with a unit (`512k`, `1m`, `2MiB`); at most 64 MiB. */
export function parseByteSize(text: string): number | undefined {
  const match = /^\s*(\d+)\s*(b|k|kb|kib|m|mb|mib)?\s*$/i.exec(text);
  if (!match) return undefined;
  const unit = (match[2] ?? 'b').toLowerCase()[0];
  const bytes = Number(match[1]) * (unit === 'k' ? 1024 : unit === 'm' ? 1024 * 1024 : 1);
  return bytes >= 1 && bytes <= 64 * 1024 * 1024 ? bytes : undefined;
}
