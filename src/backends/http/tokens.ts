/** The tokens group over HTTP: service tokens and the audit trail, for an admin token (routes of `noetl serve`). */
import type { AuditRecord, CreatedToken, RemovedToken, ServiceToken, TokensApi } from '../../api/tokens.js';
import type { Transport } from './transport.js';
import { listOf, seg } from './wire.js';

export function httpTokens(transport: Transport): TokensApi {
  return {
    async create(options) {
      return (await transport.request('POST', '/api/tokens', { body: options })) as CreatedToken;
    },
    async list() {
      return listOf(await transport.request('GET', '/api/tokens'), 'tokens', 'items') as ServiceToken[];
    },
    async remove(name) {
      return (await transport.request('DELETE', `/api/tokens/${seg(name)}`)) as RemovedToken;
    },
    async audit(options = {}) {
      return listOf(await transport.request('GET', '/api/audit', { query: { limit: options.limit } }), 'entries', 'items') as AuditRecord[];
    },
  };
}
