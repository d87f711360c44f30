import type { CacheApi } from '../../api/cache.js';
import type { LocalClientDeps } from './index.js';

export function localCache(_deps: LocalClientDeps): CacheApi {
  return {};
}
