/** The templates group over HTTP: render and keychain resolve run on the server, where the secrets are (routes of `noetl serve`). */
import type { KeychainResolveResult, RenderResult, TemplatesApi } from '../../api/templates.js';
import type { Transport } from './transport.js';
import { defined } from './wire.js';

export function httpTemplates(transport: Transport): TemplatesApi {
  return {
    async render(request) {
      return (await transport.request('POST', '/api/templates/render', { body: defined({ ...request }) })) as RenderResult;
    },
    async resolveKeychain(request) {
      return (await transport.request('POST', '/api/keychain/resolve', { body: defined({ ...request }) })) as KeychainResolveResult;
    },
  };
}
