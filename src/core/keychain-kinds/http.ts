import { describeTokenRequest, ENDPOINT_REQUIREMENT, fetchByTokenRequest, TOKEN_REQUEST_KEYS, tokenRequestOf } from './shared.js';
import type { KeychainKind } from './types.js';

/**
 * The JSON answer of any HTTP endpoint (seed 003's `project_context`: an initialisation call
 * whose answer the execution tree shares). Renewable like oauth2 when asked: the seeds'
 * renew_config is a plain HTTP request, so `auto_renew: true` replays it, and then the answer
 * must carry its token in token_field as a renewal's must.
 */
export const http: KeychainKind = {
  id: 'http',
  aliases: [],
  summary: 'the JSON answer of an HTTP request; `auto_renew: true` sends it again when it is due',
  keys: TOKEN_REQUEST_KEYS,
  required: [ENDPOINT_REQUIREMENT],
  keyAliases: { url: 'endpoint' },
  renewal: 'renew_config',
  renewConfig: tokenRequestOf,
  describe: (fields, preview) => describeTokenRequest(fields, preview, true),
  fetch: (entry, io) => fetchByTokenRequest(entry, io, 'http', entry.autoRenew),
};
