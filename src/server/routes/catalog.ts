/**
 * The playbook catalog the keychain refers to (ours: upstream's catalog API is much larger):
 * list, register, one entry with its content, and resolving a selector to its catalog id.
 * Over client.catalog only.
 */
import type { FastifyInstance } from 'fastify';
import type { NoetlClient } from '../../api/index.js';
import { FLAG, flagOf, ID64_TEXT, optionalId64 } from './common.js';

/** Playbooks are YAML text: the body limit bounds them too. */
const PATH = { type: 'string', minLength: 1, maxLength: 512 } as const;

export function registerCatalogRoutes(app: FastifyInstance, deps: { client: NoetlClient }): void {
  const catalog = deps.client.catalog;

  app.get<{ Querystring: { path?: string; latest?: string } }>(
    '/api/catalog',
    {
      schema: {
        summary: 'Registered playbook versions, by path then version (latest=true: the latest of each path)',
        tags: ['catalog'],
        querystring: { type: 'object', additionalProperties: false, properties: { path: PATH, latest: FLAG } },
      },
    },
    async (request) => ({ items: await catalog.list({ path: request.query.path, latest: flagOf(request.query.latest) }) }),
  );

  app.post<{ Body: { content: string; source?: string } }>(
    '/api/catalog/register',
    {
      config: { access: 'writer', audit: true },
      schema: {
        summary: 'Register a playbook as the next version of its metadata.path (unchanged: identical to the latest version, nothing registered)',
        tags: ['catalog'],
        body: { type: 'object', additionalProperties: false, required: ['content'], properties: { content: { type: 'string', minLength: 1 }, source: PATH } },
      },
    },
    async (request) => catalog.register(request.body),
  );

  app.get<{ Querystring: { ref: string } }>(
    '/api/catalog/entry',
    {
      schema: {
        summary: 'One version with its content, by catalog id, path (latest version) or PATH@VERSION',
        tags: ['catalog'],
        querystring: { type: 'object', additionalProperties: false, required: ['ref'], properties: { ref: PATH } },
      },
    },
    async (request) => catalog.show(request.query.ref),
  );

  app.get<{ Querystring: { playbook?: string; catalog_id?: string } }>(
    '/api/catalog/resolve',
    {
      schema: {
        summary: 'The entry a selector names: playbook PATH[@VERSION] or catalog_id, exactly one',
        tags: ['catalog'],
        querystring: { type: 'object', additionalProperties: false, properties: { playbook: PATH, catalog_id: ID64_TEXT } },
      },
    },
    async (request) => catalog.resolve({ playbook: request.query.playbook, catalog_id: optionalId64(request.query.catalog_id, 'catalog_id') }),
  );
}
