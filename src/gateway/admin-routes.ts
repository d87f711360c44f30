/**
 * The gateway's administration routes (GATEWAY-ROUTES.md): users, their roles, and playbook
 * permissions, for `noetl user|role|access` over a remote gateway. They need an admin service
 * token (`noetl token create NAME --role admin`); every change is audited by buildServer.
 */
import type { FastifyInstance } from 'fastify';
import type { PlaybookPermissionRow, RoleRow, UserRow } from '../backends/sql/auth.js';
import { invalidError } from '../core/errors.js';
import { permissionOf, type GatewayService } from './service.js';

const iso = (date: Date | string | null): string | null => (date === null ? null : new Date(date).toISOString());

export function userWire(user: UserRow, roles: string[]) {
  return {
    user_id: user.user_id,
    auth0_id: user.auth0_id,
    email: user.email,
    display_name: user.display_name,
    is_active: user.is_active,
    roles,
    created_at: iso(user.created_at),
    updated_at: iso(user.updated_at),
    last_login_at: iso(user.last_login_at),
  };
}

function roleWire(role: RoleRow) {
  return { role_id: role.role_id, role_name: role.role_name, description: role.description, is_system_role: role.is_system_role, user_count: role.user_count, created_at: iso(role.created_at) };
}

function permissionWire(row: PlaybookPermissionRow) {
  return { ...row, created_at: iso(row.created_at), updated_at: iso(row.updated_at) };
}

const USER_PARAMS = { type: 'object', required: ['user'], properties: { user: { type: 'string', minLength: 1, maxLength: 255 } } } as const;
const ADMIN = { access: 'admin' as const };
const ADMIN_WRITE = { access: 'admin' as const, audit: true };

export function registerAdminRoutes(app: FastifyInstance, deps: { service: GatewayService }): void {
  const { service } = deps;
  const withRoles = async (user: UserRow) => userWire(user, await service.rolesOf(user.user_id));

  app.get('/api/roles', { config: ADMIN, schema: { summary: 'The roles, with how many users hold each', tags: ['gateway admin'] } }, async () => ({
    items: (await service.listRoles()).map(roleWire),
  }));

  app.get('/api/users', { config: ADMIN, schema: { summary: 'Every user, with roles', tags: ['gateway admin'] } }, async () => ({
    items: (await service.listUsers()).map(({ user, roles }) => userWire(user, roles)),
  }));

  app.get<{ Params: { user: string } }>('/api/users/:user', { config: ADMIN, schema: { summary: 'One user (by email or id)', tags: ['gateway admin'], params: USER_PARAMS } }, async (request) =>
    withRoles(await service.user(request.params.user)),
  );

  for (const [verb, active] of [['disable', false], ['enable', true]] as const) {
    app.post<{ Params: { user: string } }>(
      `/api/users/:user/${verb}`,
      { config: ADMIN_WRITE, schema: { summary: `${verb === 'disable' ? 'Disable a user (its sessions end at once)' : 'Enable a user'}`, tags: ['gateway admin'], params: USER_PARAMS } },
      async (request) => withRoles(await service.setActive(request.params.user, active)),
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
    async (request) => {
      const expires = request.body.expires_at === undefined ? null : new Date(request.body.expires_at);
      if (expires && Number.isNaN(expires.getTime())) throw invalidError('expires_at is not an RFC 3339 time (e.g. 2026-12-31T00:00:00Z)');
      const { user, grant } = await service.addRole(request.params.user, request.body.role, expires);
      return { user_id: user.user_id, email: user.email, role: grant.role_name, granted_at: iso(grant.granted_at), expires_at: iso(grant.expires_at) };
    },
  );

  app.delete<{ Params: { user: string; role: string } }>(
    '/api/users/:user/roles/:role',
    {
      config: ADMIN_WRITE,
      schema: { summary: 'Take a role from a user', tags: ['gateway admin'], params: { type: 'object', required: ['user', 'role'], properties: { user: { type: 'string' }, role: { type: 'string', maxLength: 50 } } } },
    },
    async (request) => {
      const user = await service.removeRole(request.params.user, request.params.role);
      return { user_id: user.user_id, email: user.email, role: request.params.role, removed: true };
    },
  );

  app.get<{ Querystring: { role?: string } }>(
    '/api/access/permissions',
    { config: ADMIN, schema: { summary: 'Playbook permissions, of one role or all', tags: ['gateway admin'], querystring: { type: 'object', additionalProperties: false, properties: { role: { type: 'string', maxLength: 50 } } } } },
    async (request) => ({ items: (await service.permissions(request.query.role)).map(permissionWire) }),
  );

  app.post<{ Body: { role: string; pattern: string; execute?: boolean; view?: boolean; modify?: boolean; deny?: string } }>(
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
    async (request) => {
      const { role, pattern, deny } = request.body;
      const { row, created } = await service.grant({ role, pattern, execute: request.body.execute ?? false, view: request.body.view ?? false, modify: request.body.modify ?? false, deny });
      return { permission: permissionWire(row), created };
    },
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
    async (request) => ({ role: request.query.role, pattern: request.query.pattern, removed: await service.revoke(request.query.role, request.query.pattern) }),
  );

  app.post<{ Body: { user: string; playbook_path: string; permission_type: string } }>(
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
    async (request) => {
      const { playbook_path: path, permission_type: asked } = request.body;
      const permission = permissionOf(asked);
      const user = await service.user(request.body.user).catch(() => undefined);
      if (!user) return { allowed: false, user: null, playbook_path: path, permission_type: asked, message: 'No such user' };
      const wire = await withRoles(user);
      if (!permission) return { allowed: false, user: wire, playbook_path: path, permission_type: asked, message: `Unknown permission type ${asked} (execute, view, modify)` };
      const allowed = user.is_active && (await service.allowed(user.user_id, path, permission));
      return { allowed, user: wire, playbook_path: path, permission_type: asked, message: allowed ? `Access granted: ${permission} on ${path}` : user.is_active ? `Access denied: no ${permission} permission on ${path}` : 'Access denied: the user is disabled' };
    },
  );
}
