/**
 * The gateway's administration routes (GATEWAY-ROUTES.md): users, their roles, and playbook
 * permissions, for `noetl user|role|access` over a remote gateway. They need an admin service
 * token (`noetl token create NAME --role admin`). They serve the client's access group (over the
 * gateway's database: src/backends/local/access.ts), so the gateway validates, decides and audits
 * exactly as the CLI on a database does; buildServer also audits every change with the token's name.
 */
import type { FastifyInstance } from 'fastify';
import type { AccessApi, AccessCheckOptions, GrantOptions } from '../api/access.js';

const USER_PARAMS = { type: 'object', required: ['user'], properties: { user: { type: 'string', minLength: 1, maxLength: 255 } } } as const;
const ADMIN = { access: 'admin' as const };
const ADMIN_WRITE = { access: 'admin' as const, audit: true };

export function registerAdminRoutes(app: FastifyInstance, deps: { access: AccessApi }): void {
  const { access } = deps;

  app.get('/api/roles', { config: ADMIN, schema: { summary: 'The roles, with how many users hold each', tags: ['gateway admin'] } }, async () => ({ items: await access.roles() }));

  app.get('/api/users', { config: ADMIN, schema: { summary: 'Every user, with roles', tags: ['gateway admin'] } }, async () => ({ items: await access.users() }));

  app.get<{ Params: { user: string } }>('/api/users/:user', { config: ADMIN, schema: { summary: 'One user (by email or id)', tags: ['gateway admin'], params: USER_PARAMS } }, async (request) =>
    access.user(request.params.user),
  );

  for (const [verb, active] of [['disable', false], ['enable', true]] as const) {
    app.post<{ Params: { user: string } }>(
      `/api/users/:user/${verb}`,
      { config: ADMIN_WRITE, schema: { summary: `${verb === 'disable' ? 'Disable a user (its sessions end at once)' : 'Enable a user'}`, tags: ['gateway admin'], params: USER_PARAMS } },
      async (request) => access.setUserActive(request.params.user, active),
    );
  }

  app.post<{ Params: { user: string }; Body: { role: string; expires_at?: string } }>(
    '/api/users/:user/roles',
    {
      config: ADMIN_WRITE,
      schema: {
        summary: 'Give a user a role',
        tags: ['gateway admin'],
        params: USER_PARAMS,
        body: { type: 'object', required: ['role'], additionalProperties: false, properties: { role: { type: 'string', minLength: 1, maxLength: 50 }, expires_at: { type: 'string', maxLength: 40 } } },
      },
    },
    async (request) => access.addUserRole(request.params.user, request.body.role, { expires_at: request.body.expires_at }),
  );

  app.delete<{ Params: { user: string; role: string } }>(
    '/api/users/:user/roles/:role',
    {
      config: ADMIN_WRITE,
      schema: { summary: 'Take a role from a user', tags: ['gateway admin'], params: { type: 'object', required: ['user', 'role'], properties: { user: { type: 'string' }, role: { type: 'string', maxLength: 50 } } } },
    },
    async (request) => access.removeUserRole(request.params.user, request.params.role),
  );

  app.get<{ Querystring: { role?: string } }>(
    '/api/access/permissions',
    { config: ADMIN, schema: { summary: 'Playbook permissions, of one role or all', tags: ['gateway admin'], querystring: { type: 'object', additionalProperties: false, properties: { role: { type: 'string', maxLength: 50 } } } } },
    async (request) => ({ items: await access.permissions({ role: request.query.role }) }),
  );

  app.post<{ Body: GrantOptions }>(
    '/api/access/permissions',
    {
      config: ADMIN_WRITE,
      schema: {
        summary: 'Grant a role permissions on a playbook path or pattern (again: the grant is replaced)',
        tags: ['gateway admin'],
        body: {
          type: 'object',
          required: ['role', 'pattern'],
          additionalProperties: false,
          properties: {
            role: { type: 'string', minLength: 1, maxLength: 50 },
            pattern: { type: 'string', minLength: 1, maxLength: 500 },
            execute: { type: 'boolean' },
            view: { type: 'boolean' },
            modify: { type: 'boolean' },
            deny: { type: 'string', minLength: 1, maxLength: 500 },
          },
        },
      },
    },
    async (request) => access.grant(request.body),
  );

  app.delete<{ Querystring: { role: string; pattern: string } }>(
    '/api/access/permissions',
    {
      config: ADMIN_WRITE,
      schema: {
        summary: "Revoke a role's grant on a path or pattern",
        tags: ['gateway admin'],
        querystring: { type: 'object', required: ['role', 'pattern'], additionalProperties: false, properties: { role: { type: 'string', maxLength: 50 }, pattern: { type: 'string', maxLength: 500 } } },
      },
    },
    async (request) => access.revoke(request.query.role, request.query.pattern),
  );

  app.post<{ Body: AccessCheckOptions }>(
    '/api/access/check',
    {
      config: ADMIN,
      schema: {
        summary: 'May this user use this playbook? (200 either way)',
        tags: ['gateway admin'],
        body: {
          type: 'object',
          required: ['user', 'playbook_path', 'permission_type'],
          additionalProperties: false,
          properties: { user: { type: 'string', minLength: 1, maxLength: 255 }, playbook_path: { type: 'string', minLength: 1, maxLength: 500 }, permission_type: { type: 'string', maxLength: 20 } },
        },
      },
    },
    async (request) => access.check(request.body)
  );
}
