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

/** Where the server is and how to reach it (the transport's options). */
export type HttpClientOptions = TransportOptions;

export function createHttpClient(options: HttpClientOptions): NoetlClient {
  const transport = createTransport(options);
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
