/**
 * NoetlClient over a NoETL server's REST API (API.md): `noetl serve`, or an upstream NoETL
 * server (Python or Rust) for the routes it has. Every operation is one or two requests; the
 * server validates, seals and masks. `admin` (migrations, key rotation) needs a direct
 * database and is absent. Loads no database driver: only node:http(s).
 */
import type { BackendInfo, NoetlClient } from '../../api/index.js';
import { httpAccess } from './access.js';
import { httpCache } from './cache.js';
import { httpCatalog } from './catalog.js';
import { httpCredentials } from './credentials.js';
import { httpKeychain } from './keychain.js';
import { httpTemplates } from './templates.js';
import { httpTokens } from './tokens.js';
import { createTransport, type TransportOptions } from './transport.js';
import { httpVars } from './vars.js';

export interface HttpClientOptions {
  /** The server: `http://127.0.0.1:8082`, `https://noetl.example.com` (a path prefix is kept). */
  serverUrl: string;
  /** A service token, sent as `Authorization: Bearer`; none for a server without auth. Never in a message. */
  token?: string;
  /** The longest one request may take, connecting included (30 s). */
  timeoutMs?: number;
  /** Waits before each retry of a read (GET) that found the server unreachable or busy (502/503/504), in ms: [100, 400]. */
  retryDelaysMs?: readonly number[];
  /** How a retry waits (tests pass one that does not sleep). */
  sleep?: (ms: number) => Promise<void>;
  /** Extra trusted CA certificates (PEM) for an HTTPS server. */
  ca?: string | Buffer;
}

export function createHttpClient(options: HttpClientOptions): NoetlClient {
  const transportOptions: TransportOptions = { ...options };
  const transport = createTransport(transportOptions);
  const backend: BackendInfo = { kind: 'http', location: transport.server };
  const catalog = httpCatalog(transport);
  return {
    backend,
    credentials: httpCredentials(transport),
    keychain: httpKeychain(transport, catalog),
    cache: httpCache(transport),
    vars: httpVars(transport),
    catalog,
    templates: httpTemplates(transport),
    tokens: httpTokens(transport),
    access: httpAccess(transport),
    close: () => transport.close(),
  };
}
