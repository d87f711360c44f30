/**
 * Credentials (API.md "Credentials", seed 003): upsert, list, get (data only with include_data,
 * in clear only for a token allowed to reveal), delete, and seed 003's
 * GET /api/credential/{credential_key}. Over client.credentials only.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { NoetlClient } from '../../api/index.js';
import type { Credential, CredentialInput, CredentialRegistration, CredentialSummary } from '../../api/credentials.js';
import { notFoundError } from '../../core/errors.js';
import { FLAG, flagOf, mayReveal, noteReveal } from './common.js';

const TAGS = { anyOf: [{ type: 'array', items: { type: 'string' } }, { type: 'string' }, { type: 'null' }] } as const;
const NULLABLE_OBJECT = { anyOf: [{ type: 'object' }, { type: 'null' }] } as const;

const CREDENTIAL_BODY = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'data'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 128 },
    type: { type: 'string', minLength: 1, maxLength: 128, description: 'default generic' },
    credential_type: { type: 'string', minLength: 1, maxLength: 128, description: 'alias of type (upstream Python)' },
    data: { type: 'object' },
    meta: NULLABLE_OBJECT,
    tags: TAGS,
    description: { anyOf: [{ type: 'string' }, { type: 'null' }] },
    schema: NULLABLE_OBJECT,
  },
} as const;

const IDENTIFIER_PARAMS = {
  type: 'object',
  additionalProperties: false,
  required: ['identifier'],
  properties: { identifier: { type: 'string', minLength: 1, maxLength: 128, description: 'all digits: by id, then by name; otherwise by name' } },
} as const;

interface CredentialBody {
  name: string;
  type?: string;
  credential_type?: string;
  data: Record<string, unknown>;
  meta?: Record<string, unknown> | null;
  tags?: string[] | string | null;
  description?: string | null;
  schema?: Record<string, unknown> | null;
}

/** The credential object of API.md (ours adds schema; data, revealed, legacy and warnings when data is asked for). */
function credentialObject(c: CredentialSummary): Record<string, unknown> {
  return { id: c.id, name: c.name, type: c.type, meta: c.meta, tags: c.tags, description: c.description, schema: c.schema, created_at: c.created_at, updated_at: c.updated_at };
}

/** A registration as the client takes it: `ignored` is a list even when the sender left it out. */
function registrationOf(r: CredentialRegistration): CredentialRegistration {
  return { ...r, ignored: r.ignored ?? [] };
}

export function registerCredentialRoutes(app: FastifyInstance, deps: { client: NoetlClient }): void {
  const credentials = deps.client.credentials;

  /** The credential an identifier names: all digits is an id first, then a name. */
  async function summaryOf(identifier: string): Promise<CredentialSummary> {
    const found = await credentials.find(identifier);
    if (!found) {
      // The client's own not_found (with its did-you-mean) for a name.
      await credentials.get(identifier, { reveal: false });
      throw notFoundError(`credential '${identifier}' not found`, { hint: { command: 'credential ls' } });
    }
    return found;
  }

  /** The credential with its data: in clear when the caller may reveal and did not ask otherwise (audited), masked else. */
  async function withData(request: FastifyRequest, name: string, revealAsked: boolean | undefined): Promise<Credential> {
    const reveal = mayReveal(request) && revealAsked !== false;
    const credential = await credentials.get(name, { reveal });
    if (reveal) noteReveal(request, name);
    return credential;
  }

  app.post<{ Body: CredentialBody; Querystring: { replace?: string } }>(
    '/api/credentials',
    {
      config: { access: 'writer', audit: true },
      schema: {
        summary: 'Create or update a credential by name (upsert); ?replace=false refuses an existing name (409)',
        tags: ['credentials'],
        querystring: { type: 'object', additionalProperties: false, properties: { replace: FLAG } },
        body: CREDENTIAL_BODY,
      },
    },
    async (request) => {
      const body = request.body;
      request.auditTarget = body.name;
      const input: CredentialInput = { name: body.name, type: body.type ?? body.credential_type ?? 'generic', data: body.data };
      for (const field of ['meta', 'tags', 'description', 'schema'] as const) if (body[field] !== undefined) (input as unknown as Record<string, unknown>)[field] = body[field];
      const added = await credentials.add(input, { replace: flagOf(request.query.replace) ?? true });
      return { ...credentialObject(added), replaced: added.replaced, warnings: added.warnings };
    },
  );

  const registrations = {
    type: 'array',
    maxItems: 1000,
    items: {
      type: 'object',
      additionalProperties: false,
      required: ['file'],
      properties: {
        file: { type: 'string', maxLength: 1024 },
        input: { ...CREDENTIAL_BODY, required: ['name', 'type', 'data'], properties: { ...CREDENTIAL_BODY.properties, data: {} } },
        ignored: { type: 'array', items: { type: 'string' } },
        error: { type: 'string' },
      },
    },
  } as const;

  app.post<{ Body: { registrations: CredentialRegistration[]; replace?: boolean; continue_on_error?: boolean } }>(
    '/api/credentials/import',
    {
      config: { access: 'writer', audit: true },
      schema: {
        summary: 'Store many registrations in one transaction: all or none, or with continue_on_error every valid one (ours)',
        tags: ['credentials'],
        body: { type: 'object', additionalProperties: false, required: ['registrations'], properties: { registrations, replace: { type: 'boolean' }, continue_on_error: { type: 'boolean' } } },
      },
    },
    async (request) => credentials.import(request.body.registrations.map(registrationOf), { replace: request.body.replace, continueOnError: request.body.continue_on_error }),
  );

  app.post<{ Body: { registrations: CredentialRegistration[]; replace?: boolean } }>(
    '/api/credentials/validate',
    {
      schema: {
        summary: 'Check registrations as an import would, storing nothing (ours)',
        tags: ['credentials'],
        body: { type: 'object', additionalProperties: false, required: ['registrations'], properties: { registrations, replace: { type: 'boolean' } } },
      },
    },
    async (request) => credentials.validate(request.body.registrations.map(registrationOf), { replace: request.body.replace }),
  );

  app.get<{ Querystring: { type?: string; q?: string; tags?: string } }>(
    '/api/credentials',
    {
      schema: {
        summary: 'List credentials (never their data); q matches name or description, case-insensitive; tags (ours) "a,b": every tag must be present',
        tags: ['credentials'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { type: { type: 'string', maxLength: 128 }, q: { type: 'string', maxLength: 256 }, tags: { type: 'string', maxLength: 1024 } },
        },
      },
    },
    async (request) => {
      const { type, q, tags } = request.query;
      const tagList = tags?.split(',').map((t) => t.trim()).filter(Boolean);
      let items = await credentials.list({ type: type || undefined, tags: tagList?.length ? tagList : undefined });
      if (q) {
        const needle = q.toLowerCase();
        items = items.filter((c) => c.name.toLowerCase().includes(needle) || (c.description ?? '').toLowerCase().includes(needle));
      }
      return { items: items.map(credentialObject), filter: { type: type ?? null, q: q ?? null } };
    },
  );

  app.get<{ Params: { identifier: string }; Querystring: { include_data?: string; reveal?: string } }>(
    '/api/credentials/:identifier',
    {
      schema: {
        summary: 'One credential; with include_data=true its data, in clear for revealer and admin tokens (reveal=false: masked), masked for others',
        tags: ['credentials'],
        params: IDENTIFIER_PARAMS,
        querystring: { type: 'object', additionalProperties: false, properties: { include_data: FLAG, reveal: FLAG } },
      },
    },
    async (request) => {
      const summary = await summaryOf(request.params.identifier);
      if (!flagOf(request.query.include_data)) return credentialObject(summary);
      const c = await withData(request, summary.name, flagOf(request.query.reveal));
      return { ...credentialObject(c), data: c.data, revealed: c.revealed, legacy: c.legacy, warnings: c.warnings };
    },
  );

  app.delete<{ Params: { identifier: string } }>(
    '/api/credentials/:identifier',
    { config: { access: 'writer', audit: true }, schema: { summary: 'Delete a credential', tags: ['credentials'], params: IDENTIFIER_PARAMS } },
    async (request) => {
      const summary = await summaryOf(request.params.identifier);
      const removed = await credentials.remove(summary.name);
      return { message: 'Credential deleted successfully', id: removed.id, name: removed.name, deleted: true };
    },
  );

  app.get<{ Params: { credential_key: string }; Querystring: { reveal?: string } }>(
    '/api/credential/:credential_key',
    {
      schema: {
        summary: "Seed 003's credential read by key (name): data in clear for revealer and admin tokens, masked for others",
        tags: ['credentials'],
        params: { type: 'object', additionalProperties: false, required: ['credential_key'], properties: { credential_key: { type: 'string', minLength: 1, maxLength: 128 } } },
        querystring: { type: 'object', additionalProperties: false, properties: { reveal: FLAG } },
      },
    },
    async (request) => {
      const c = await withData(request, request.params.credential_key, flagOf(request.query.reveal));
      return { credential_id: c.id, credential_key: c.name, credential_type: c.type, data: c.data, created_at: c.created_at, updated_at: c.updated_at };
    },
  );
}
