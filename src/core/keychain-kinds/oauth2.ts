import { describeTokenRequest, ENDPOINT_REQUIREMENT, fetchByTokenRequest, TOKEN_REQUEST_KEYS, tokenRequestOf } from './shared.js';
import type { KeychainKind } from './types.js';

/** A token from an OAuth2 token endpoint (seed 003 "2. oauth2"), renewed with the same request. */
export const oauth2: KeychainKind = {
  id: 'oauth2',
  aliases: [],
  summary: 'a token from an OAuth2 token endpoint; `auto_renew: true` requests a new one when it is due',
  keys: TOKEN_REQUEST_KEYS,
  required: [ENDPOINT_REQUIREMENT],
  keyAliases: { url: 'endpoint', token_url: 'endpoint' },
  renewal: 'renew_config',
  renewConfig: tokenRequestOf,
  describe: (fields, preview) => describeTokenRequest(fields, preview, true),
  fetch: (entry, io) => fetchByTokenRequest(entry, io, 'oauth2', true),
};
