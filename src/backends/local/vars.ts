import type { VarsApi } from '../../api/vars.js';
import type { LocalClientDeps } from './index.js';

export function localVars(_deps: LocalClientDeps): VarsApi {
  return {};
}
