import type { KeychainApi } from '../../api/keychain.js';
import type { LocalClientDeps } from './index.js';

export function localKeychain(_deps: LocalClientDeps): KeychainApi {
  return {};
}
