/**
 * Checking and importing many credential registrations at once (ours, for the remote client's
 * `credential validate` and `credential add -f DIR`): the registrations as the client parsed
 * them from its files, answered with the client's report. Import is one transaction on the
 * server: all or none, or with continue_on_error every valid one. Over client.credentials only.
 */
import type { FastifyInstance } from 'fastify';
import type { CredentialRegistration } from '../../api/credentials.js';
import type { NoetlClient } from '../../api/index.js';

const REGISTRATIONS = {
  type: 'array',
  maxItems: 10_000,
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['file', 'ignored'],
    properties: {
      file: { type: 'string', minLength: 1, maxLength: 4096 },
      input: { type: 'object', description: 'the registration: {name, type, data, description?, tags?, meta?, schema?}' },
      ignored: { type: 'array', items: { type: 'string', maxLength: 256 } },
      error: { type: 'string', maxLength: 4096 },
    },
  },
} as const;

export function registerCredentialImportRoutes(app: FastifyInstance, deps: { client: NoetlClient }): void {
  const credentials = deps.client.credentials;

  app.post<{ Body: { registrations: CredentialRegistration[]; replace?: boolean } }>(
    '/api/credentials/validate',
    {
      schema: {
        summary: 'Check registrations as an import would, storing nothing (ours)',
        tags: ['credentials'],
        body: { type: 'object', additionalProperties: false, required: ['registrations'], properties: { registrations: REGISTRATIONS, replace: { type: 'boolean' } } },
      },
    },
    async (request) => credentials.validate(request.body.registrations, { replace: request.body.replace === true }),
  );

  app.post<{ Body: { registrations: CredentialRegistration[]; replace?: boolean; continue_on_error?: boolean } }>(
    '/api/credentials/import',
    {
      config: { access: 'writer', audit: true },
      schema: {
        summary: 'Store many registrations in one transaction: all or none, or with continue_on_error every valid one (ours)',
        tags: ['credentials'],
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['registrations'],
          properties: { registrations: REGISTRATIONS, replace: { type: 'boolean' }, continue_on_error: { type: 'boolean' } },
        },
      },
    },
    async (request) => credentials.import(request.body.registrations, { replace: request.body.replace === true, continueOnError: request.body.continue_on_error === true }),
  );
}
