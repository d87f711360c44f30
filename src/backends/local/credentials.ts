import type { CredentialsApi } from '../../api/credentials.js';
import type { LocalClientDeps } from './index.js';

export function localCredentials(_deps: LocalClientDeps): CredentialsApi {
  return {};
}
