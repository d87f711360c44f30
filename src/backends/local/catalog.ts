import type { CatalogApi } from '../../api/catalog.js';
import type { LocalClientDeps } from './index.js';

export function localCatalog(_deps: LocalClientDeps): CatalogApi {
  return {};
}
