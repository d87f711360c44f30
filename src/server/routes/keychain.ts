/**
 * The keychain (API.md "Keychain", seed 003 shapes): read (renewing an expired auto-renew entry
 * here, once across replicas: workers never need the client secret), write, delete, and the
 * entries of a catalog entry; plus ours for the remote client: list, stats, renew and purge.
 * Token data is in clear only for a token allowed to reveal. Over client.keychain only.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { NoetlClient } from '../../api/index.js';
import type { KeychainGetResult, KeychainSelector, KeychainSetRequest, RenewConfig, ScopeType } from '../../api/keychain.js';
import { hasReason, invalidError } from '../../core/errors.js';
import { SCOPE_TYPES } from '../../core/scope.js';
import { observeTokenRequests } from '../../backends/local/renew/observe.js';
import { handlerCheckedRole, invalidTokenError, requireRole, requireToken } from '../auth.js';
import type { Metrics } from '../metrics.js';
import { FLAG, flagOf, ID64, ID64_TEXT, id64Of, mayReveal, noteReveal, optionalId64, SECONDS_TEXT, secondsOf } from './common.js';

const SCOPE = { type: 'string', enum: SCOPE_TYPES } as const;
const NAME = { type: 'string', minLength: 1, maxLength: 256 } as const;

const ENTRY_PARAMS = {
  type: 'object',
  additionalProperties: false,
  required: ['catalog_id', 'keychain_name'],
  properties: { catalog_id: ID64_TEXT, keychain_name: NAME },
} as const;

/** Which entry of a catalog entry: the scope and, for local/shared, the execution (and the root of its tree, ours). */
const SELECTOR_QUERY_PROPERTIES = { scope_type: SCOPE, execution_id: ID64_TEXT, root_execution_id: ID64_TEXT } as const;

interface SelectorQuery {
  scope_type?: ScopeType;
  execution_id?: string;
  root_execution_id?: string;
}

function selectorOf(catalogId: string, query: SelectorQuery): KeychainSelector {
  return {
    catalog_id: id64Of(catalogId, 'catalog_id'),
    scope: query.scope_type,
    execution_id: optionalId64(query.execution_id, 'execution_id'),
    root_execution_id: optionalId64(query.root_execution_id, 'root_execution_id'),
  };
}

/** Upstream's worker sends null for what it leaves out (execution_id of a global entry, renew_config, ttl_seconds): null is "not given". */
const orNull = <T extends object>(schema: T) => ({ anyOf: [schema, { type: 'null' }] }) as const;

const SET_BODY = {
  type: 'object',
  additionalProperties: false,
  properties: {
    token_data: { type: 'object' },
    data: { type: 'object', description: 'alias of token_data (upstream Rust)' },
    credential_type: orNull({ type: 'string', minLength: 1, maxLength: 128 }),
    cache_type: orNull({ type: 'string', enum: ['token', 'secret'] }),
    scope_type: orNull(SCOPE),
    execution_id: orNull(ID64),
    parent_execution_id: { ...orNull(ID64), description: 'upstream: the parent execution; for shared entries the root of the tree' },
    root_execution_id: { ...orNull(ID64), description: 'ours: the root of the execution tree of a shared entry' },
    ttl_seconds: orNull({ type: 'number', exclusiveMinimum: 0 }),
    expires_in: { ...orNull({ type: 'number', exclusiveMinimum: 0 }), description: 'alias of ttl_seconds' },
    expires_at: orNull({ type: 'string', maxLength: 64 }),
    auto_renew: orNull({ type: 'boolean' }),
    renew_config: orNull({ type: 'object' }),
    schema: orNull({ type: 'object' }),
  },
} as const;

/** The body as sent: every field but the data may be null, which means "not given". */
interface SetBody {
  token_data?: Record<string, unknown>;
  data?: Record<string, unknown>;
  credential_type?: string | null;
  cache_type?: 'token' | 'secret' | null;
  scope_type?: ScopeType | null;
  execution_id?: string | number | null;
  parent_execution_id?: string | number | null;
  root_execution_id?: string | number | null;
  ttl_seconds?: number | null;
  expires_in?: number | null;
  expires_at?: string | null;
  auto_renew?: boolean | null;
  renew_config?: Record<string, unknown> | null;
  schema?: Record<string, unknown> | null;
}

function setRequestOf(catalogId: string, name: string, sent: SetBody): KeychainSetRequest {
  const body = Object.fromEntries(Object.entries(sent).filter(([, v]) => v !== null)) as { [K in keyof SetBody]: Exclude<SetBody[K], null> };
  if (body.token_data !== undefined && body.data !== undefined) throw invalidError('give token_data or data, not both');
  const data = body.token_data ?? body.data;
  if (data === undefined) throw invalidError('token_data is required: the token or secret to store');
  if (body.ttl_seconds !== undefined && body.expires_in !== undefined) throw invalidError('give ttl_seconds or expires_in, not both');
  const scope = body.scope_type ?? 'global';
  const parent = optionalId64(body.parent_execution_id, 'parent_execution_id');
  const request: KeychainSetRequest = {
    name,
    catalog_id: id64Of(catalogId, 'catalog_id'),
    scope,
    execution_id: optionalId64(body.execution_id, 'execution_id'),
    // Upstream names the root of a shared entry's tree its parent execution.
    root_execution_id: optionalId64(body.root_execution_id, 'root_execution_id') ?? (scope === 'shared' ? parent : undefined),
    data,
    credential_type: body.credential_type,
    cache_type: body.cache_type,
    ttl_seconds: body.ttl_seconds ?? body.expires_in,
    expires_at: body.expires_at,
    schema: body.schema,
    auto_renew: body.auto_renew,
    renew_config: body.renew_config as RenewConfig | undefined,
  };
  for (const key of Object.keys(request) as (keyof KeychainSetRequest)[]) if (request[key] === undefined) delete request[key];
  return request;
}

export function tokenRequestCounter(metrics: Metrics): <T>(work: () => Promise<T>) => Promise<T> {
  return (work) => observeTokenRequests((outcome) => metrics.tokenRequests.inc({ outcome }), work);
}

export function registerKeychainRoutes(app: FastifyInstance, deps: { client: NoetlClient; metrics: Metrics }): void {
  const keychain = deps.client.keychain;
  const { metrics } = deps;
  const countingTokenRequests = tokenRequestCounter(metrics);

  /** What a read answers this caller: data in clear for revealers (audited), masked for others; renew_config only for revealers. */
  function shownTo(request: FastifyRequest, result: KeychainGetResult, reveal: boolean): KeychainGetResult {
    if (result.status === 'expired' && !mayReveal(request)) {
      const { renew_config: _hidden, ...rest } = result;
      return rest;
    }
    const clear = reveal && (result.status === 'success' || (result.status === 'expired' && result.renew_config !== undefined));
    if (clear) noteReveal(request, result.cache_key);
    return result;
  }

  app.get<{ Params: { catalog_id: string; keychain_name: string }; Querystring: SelectorQuery & { renew?: string; reveal?: string; refresh_margin_seconds?: string; timeout_seconds?: string } }>(
    '/api/keychain/:catalog_id/:keychain_name',
    {
      // The hot read of workers: its token is checked in the statement that reads the entry.
      config: { tokenCheckedByHandler: keychain.getForToken !== undefined },
      schema: {
        summary:
          'Read an entry: success (renewing an expired or due auto-renew entry here first, unless renew=false), expired, or not_found; token_data in clear for revealer and admin tokens (reveal=false: masked), masked for others',
        tags: ['keychain'],
        params: ENTRY_PARAMS,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { ...SELECTOR_QUERY_PROPERTIES, renew: FLAG, reveal: FLAG, refresh_margin_seconds: SECONDS_TEXT, timeout_seconds: SECONDS_TEXT },
        },
      },
    },
    async (request) => {
      const { query, params } = request;
      const revealAsked = flagOf(query.reveal) !== false;
      const selector = selectorOf(params.catalog_id, query);
      const options = { renew: flagOf(query.renew), refresh_margin_seconds: secondsOf(query.refresh_margin_seconds), timeout_seconds: secondsOf(query.timeout_seconds) };
      const read = async (): Promise<KeychainGetResult> => {
        if (request.identity || !keychain.getForToken) return keychain.get(params.keychain_name, selector, { ...options, reveal: mayReveal(request) && revealAsked });
        const found = await keychain.getForToken(requireToken(request), params.keychain_name, selector, {
          ...options,
          authorize(caller) {
            request.identity = caller;
            requireRole(caller, handlerCheckedRole(request.routeOptions.config.access));
            return { reveal: mayReveal(request) && revealAsked };
          },
        });
        if (!found) throw invalidTokenError();
        return found;
      };
      let result: KeychainGetResult;
      try {
        result = await countingTokenRequests(read);
      } catch (err) {
        if (hasReason(err, 'renew-failed')) metrics.renewals.inc({ outcome: 'failed' });
        throw err;
      }
      if (result.status === 'success' && result.renewed) metrics.renewals.inc({ outcome: 'renewed' });
      return shownTo(request, result, mayReveal(request) && revealAsked);
    },
  );

  app.post<{ Params: { catalog_id: string; keychain_name: string }; Body: SetBody }>(
    '/api/keychain/:catalog_id/:keychain_name',
    {
      config: { access: 'writer', audit: true },
      schema: {
        summary: 'Store (or replace) an entry, sealed; default TTL 3600 s for local, 86400 s otherwise',
        tags: ['keychain'],
        params: ENTRY_PARAMS,
        body: SET_BODY,
      },
    },
    async (request) => {
      const { keychain_name, catalog_id } = request.params;
      return keychain.set(setRequestOf(catalog_id, keychain_name, request.body));
    },
  );

  app.delete<{ Params: { catalog_id: string; keychain_name: string }; Querystring: SelectorQuery }>(
    '/api/keychain/:catalog_id/:keychain_name',
    {
      config: { access: 'writer', audit: true },
      schema: {
        summary: 'Delete an entry of one scope; 404 with status not_found when there is none',
        tags: ['keychain'],
        params: ENTRY_PARAMS,
        querystring: { type: 'object', additionalProperties: false, properties: SELECTOR_QUERY_PROPERTIES },
      },
    },
    async (request, reply) => {
      const { keychain_name, catalog_id } = request.params;
      const [result] = await keychain.remove([keychain_name], selectorOf(catalog_id, request.query));
      if (result.status === 'not_found') {
        // The keychain's answer, readable as an error by both upstream clients too.
        return reply.code(404).send({ ...result, error: result.message, detail: result.message, code: 'not_found' });
      }
      return result;
    },
  );

  app.get<{ Params: { catalog_id: string } }>(
    '/api/keychain/catalog/:catalog_id',
    {
      schema: {
        summary: 'The entries of a catalog entry (never their data)',
        tags: ['keychain'],
        params: { type: 'object', additionalProperties: false, required: ['catalog_id'], properties: { catalog_id: ID64_TEXT } },
      },
    },
    async (request) => {
      const catalogId = id64Of(request.params.catalog_id, 'catalog_id');
      const entries = await keychain.list({ catalog_id: catalogId });
      return { status: 'success', catalog_id: catalogId, count: entries.length, entries };
    },
  );

  app.get<{ Querystring: { catalog_id?: string; playbook?: string; scope_type?: ScopeType; execution_id?: string; expired?: string; name?: string } }>(
    '/api/keychain',
    {
      schema: {
        summary: 'Entries (never their data) by catalog entry (catalog_id or playbook path[@version]), scope, execution, expiry, name (ours)',
        tags: ['keychain'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { catalog_id: ID64_TEXT, playbook: { type: 'string', maxLength: 512 }, scope_type: SCOPE, execution_id: ID64_TEXT, expired: FLAG, name: NAME },
        },
      },
    },
    async (request) => {
      const q = request.query;
      const entries = await keychain.list({
        catalog_id: optionalId64(q.catalog_id, 'catalog_id'),
        playbook: q.playbook,
        scope: q.scope_type,
        execution_id: optionalId64(q.execution_id, 'execution_id'),
        expired: flagOf(q.expired),
        name: q.name,
      });
      return { count: entries.length, entries };
    },
  );

  app.get('/api/keychain/stats', { schema: { summary: 'Keychain statistics (ours)', tags: ['keychain'] } }, async () => keychain.stats());

  app.post<{ Body: { names: string[]; catalog_id?: string | number; playbook?: string; scope_type?: ScopeType; execution_id?: string | number; root_execution_id?: string | number; timeout_seconds?: number } }>(
    '/api/keychain/renew',
    {
      config: { access: 'writer', audit: true },
      schema: {
        summary: 'Renew auto-renew entries now from their renew_config, each reported on its own (ours)',
        tags: ['keychain'],
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['names'],
          properties: {
            names: { type: 'array', minItems: 1, maxItems: 1000, items: NAME },
            catalog_id: ID64,
            playbook: { type: 'string', maxLength: 512 },
            scope_type: SCOPE,
            execution_id: ID64,
            root_execution_id: ID64,
            timeout_seconds: { type: 'number', exclusiveMinimum: 0 },
          },
        },
      },
    },
    async (request) => {
      const b = request.body;
      const selector: KeychainSelector = {
        catalog_id: optionalId64(b.catalog_id, 'catalog_id'),
        playbook: b.playbook,
        scope: b.scope_type,
        execution_id: optionalId64(b.execution_id, 'execution_id'),
        root_execution_id: optionalId64(b.root_execution_id, 'root_execution_id'),
      };
      const result = await countingTokenRequests(() => keychain.renew(b.names, selector, { timeout_seconds: b.timeout_seconds }));
      for (const item of result.results) if (item.status !== 'not_found') metrics.renewals.inc({ outcome: item.status });
      return result;
    },
  );

  app.post<{ Body: { older_than_seconds?: number; include_auto_renew?: boolean } }>(
    '/api/keychain/purge',
    {
      config: { access: 'writer', audit: true },
      schema: {
        summary: 'Delete expired entries (ours)',
        tags: ['keychain'],
        body: { type: 'object', additionalProperties: false, properties: { older_than_seconds: { type: 'number', minimum: 0 }, include_auto_renew: { type: 'boolean' } } },
      },
    },
    async (request) => keychain.purgeExpired(request.body ?? {}),
  );
}
