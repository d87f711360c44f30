import type { AdminApi } from '../../api/admin.js';
import type { LocalClientDeps } from './index.js';

export function localAdmin(_deps: LocalClientDeps): AdminApi {
  return {};
}
