/**
 * The access group over HTTP: `noetl gateway`'s admin routes (GATEWAY-ROUTES.md), for an admin
 * service token. The gateway validates and decides; this only maps the wire.
 */
import type {
  AccessApi,
  AccessCheckResult,
  AccessRole,
  AccessUser,
  GrantResult,
  PlaybookPermission,
  RevokeResult,
  UserRoleGrant,
  UserRoleRemoval,
} from '../../api/access.js';
import type { Transport } from './transport.js';
import { defined, listOf, seg } from './wire.js';

export function httpAccess(transport: Transport): AccessApi {
  return {
    async roles() {
      return listOf(await transport.request('GET', '/api/roles'), 'items') as AccessRole[];
    },
    async users() {
      return listOf(await transport.request('GET', '/api/users'), 'items') as AccessUser[];
    },
    async user(user) {
      return (await transport.request('GET', `/api/users/${seg(user)}`)) as AccessUser;
    },
    async setUserActive(user, active) {
      return (await transport.request('POST', `/api/users/${seg(user)}/${active ? 'enable' : 'disable'}`)) as AccessUser;
    },
    async addUserRole(user, role, options = {}) {
      return (await transport.request('POST', `/api/users/${seg(user)}/roles`, { body: defined({ role, expires_at: options.expires_at ?? undefined }) })) as UserRoleGrant;
    },
    async removeUserRole(user, role) {
      return (await transport.request('DELETE', `/api/users/${seg(user)}/roles/${seg(role)}`)) as UserRoleRemoval;
    },
    async permissions(options = {}) {
      return listOf(await transport.request('GET', '/api/access/permissions', { query: { role: options.role } }), 'items') as PlaybookPermission[];
    },
    async grant(options) {
      return (await transport.request('POST', '/api/access/permissions', { body: defined({ ...options }) })) as GrantResult;
    },
    async revoke(role, pattern) {
      return (await transport.request('DELETE', '/api/access/permissions', { query: { role, pattern } })) as RevokeResult;
    },
    async check(options) {
      return (await transport.request('POST', '/api/access/check', { body: options })) as AccessCheckResult;
    },
  };
}
