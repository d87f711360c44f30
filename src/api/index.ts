/**
 * The operations layer: the one interface every command, the server and library users call,
 * with interchangeable backends (src/backends/local over a database; src/backends/http over a
 * NoETL server's REST API). Wire types are snake_case, as in API.md, and are what `-o json`
 * prints. Errors are NoetlError (src/core/errors.ts); warnings are data in the results.
 */
import type { AccessApi } from './access.js';
import type { AdminApi } from './admin.js';
import type { CacheApi } from './cache.js';
import type { CatalogApi } from './catalog.js';
import type { CredentialsApi } from './credentials.js';
import type { KeychainApi } from './keychain.js';
import type { TemplatesApi } from './templates.js';
import type { TokensApi } from './tokens.js';
import type { VarsApi } from './vars.js';

export type * from './access.js';
export type * from './admin.js';
export type * from './cache.js';
export type * from './catalog.js';
export type * from './credentials.js';
export type * from './keychain.js';
export type * from './templates.js';
export type * from './tokens.js';
export type * from './vars.js';

export type BackendKind = 'embedded' | 'postgres' | 'http';

/** Where a client's data lives: `embedded` /home/u/.local/share/noetl/db, `postgres` postgres://…@db/noetl (password masked). */
export interface BackendInfo {
  kind: BackendKind;
  location: string;
}

export interface NoetlClient {
  readonly backend: BackendInfo;
  readonly credentials: CredentialsApi;
  readonly keychain: KeychainApi;
  readonly cache: CacheApi;
  readonly vars: VarsApi;
  readonly catalog: CatalogApi;
  /** Playbook templates: render, and resolving a playbook's keychain section. */
  readonly templates: TemplatesApi;
  /** Service tokens of `noetl serve` and the audit trail (direct database, or a server with an admin token). */
  readonly tokens: TokensApi;
  /** Gateway users, roles and playbook permissions (direct database; absent where a backend has no access routes). */
  readonly access?: AccessApi;
  /** What only a direct database offers (migrations, key rotation, key status); undefined over HTTP. */
  readonly admin?: AdminApi;
  close(): Promise<void>;
}
