/**
 * NoetlClient over a database: the SQL repositories of src/backends/sql, sealing with the master
 * key, renewal, resolve, and masking by `reveal`. The master key is a dependency, loaded at most
 * once per purpose by the key provider, never an argument of an operation.
 */
import type { BackendInfo, NoetlClient } from '../../api/index.js';
import type { KeySet } from '../../core/envelope.js';
import type { Store } from '../sql/store.js';
import { localAccess } from './access.js';
import { localAdmin, type KeyAdministration } from './admin.js';
import type { Providers } from './renew/providers/index.js';
import { localCache } from './cache.js';
import { localCatalog } from './catalog.js';
import { localCredentials } from './credentials.js';
import { localKeychain } from './keychain.js';
import { localTemplates } from './templates.js';
import { localTokens } from './tokens.js';
import { localVars } from './vars.js';

/** The master keys for reading or writing sealed records (a write may need a new key generated). */
export type KeyProvider = (purpose: 'read' | 'write') => Promise<KeySet>;

export interface LocalClientDeps {
  store: Store;
  keys: KeyProvider;
  /** Where the master key comes from, for key rotation (the CLI's configuration); without it, rotation uses `keys`. */
  keyAdmin?: KeyAdministration;
  /** The secret-manager providers keychain resolve fetches from; default: their public endpoints. */
  providers?: Providers;
}

export function createLocalClient(deps: LocalClientDeps): NoetlClient {
  const backend: BackendInfo = { kind: deps.store.info.backend, location: deps.store.info.location };
  return {
    backend,
    credentials: localCredentials(deps),
    keychain: localKeychain(deps),
    cache: localCache(deps),
    vars: localVars(deps),
    catalog: localCatalog(deps),
    templates: localTemplates(deps),
    tokens: localTokens(deps),
    access: localAccess(deps),
    admin: localAdmin(deps),
    close: () => deps.store.close(),
  };
}
