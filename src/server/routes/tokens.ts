/**
 * Service tokens over HTTP, for an admin token (`noetl token create|ls|rm` against a server),
 * and the audit trail. A success is audited by the client, in the transaction of the change,
 * with the caller passed in (token name, address); refusals and errors by the route: one row
 * per answer either way.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { NoetlClient } from '../../api/index.js';
import { TOKEN_ROLES, type AuditCaller, type TokenRole } from '../../api/tokens.js';

const NAME_PARAMS = { type: 'object', additionalProperties: false, required: ['name'], properties: { name: { type: 'string', minLength: 1, maxLength: 64 } } } as const;

function callerOf(request: FastifyRequest): AuditCaller {
  return { actor: request.identity?.name ?? 'anonymous', source: request.ip };
}

export function registerTokenRoutes(app: FastifyInstance, deps: { client: NoetlClient }): void {
  const tokens = deps.client.tokens;

  app.post<{ Body: { name: string; role: TokenRole; ttl_seconds?: number | null } }>(
    '/api/tokens',
    {
      config: { access: 'admin', audit: 'failures' },
      schema: {
        summary: 'Create a service token: the answer holds the token, this once (only its SHA-256 is stored)',
        tags: ['tokens'],
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['name', 'role'],
          properties: {
            name: { type: 'string', minLength: 1, maxLength: 64 },
            role: { type: 'string', enum: TOKEN_ROLES },
            ttl_seconds: { anyOf: [{ type: 'integer', minimum: 1 }, { type: 'null' }], description: 'null or absent: never expires' },
          },
        },
      },
    },
    async (request) => {
      const { name, role, ttl_seconds } = request.body;
      return tokens.create({ name, role, ttl_seconds: ttl_seconds ?? null }, callerOf(request));
    },
  );

  app.get('/api/tokens', { config: { access: 'admin' }, schema: { summary: 'Every service token, by name; never a token itself', tags: ['tokens'] } }, async () => ({
    items: await tokens.list(),
  }));

  app.delete<{ Params: { name: string } }>(
    '/api/tokens/:name',
    { config: { access: 'admin', audit: 'failures' }, schema: { summary: 'Remove a service token (it stops working at once)', tags: ['tokens'], params: NAME_PARAMS } },
    async (request) => tokens.remove(request.params.name, callerOf(request)),
  );

  app.get<{ Querystring: { limit?: string } }>(
    '/api/audit',
    {
      config: { access: 'admin' },
      schema: {
        summary: 'The audit trail, newest first (default 100 lines)',
        tags: ['tokens'],
        querystring: { type: 'object', additionalProperties: false, properties: { limit: { type: 'string', pattern: '^[0-9]{1,6}$' } } },
      },
    },
    async (request) => ({ items: await tokens.audit(request.query.limit === undefined ? {} : { limit: Number(request.query.limit) }) }),
  );
}
