/**
 * The credential cache (API.md "Credential cache"): `GET|POST /api/auth-cache/{cache_key}`
 * exactly as the upstream Python worker's cache client calls it (404 is a miss), and ours for
 * the remote client: list, stats, cleanup, purge, fetch-through and global tokens. Data is in
 * clear only for a token allowed to reveal. Over client.cache only.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { CacheScope, CacheType } from '../../api/cache.js';
import type { NoetlClient } from '../../api/index.js';
import { invalidError, notFoundError } from '../../core/errors.js';
import { FLAG, flagOf, ID64, ID64_TEXT, id64Of, mayReveal, noteReveal, optionalId64 } from './common.js';

const CACHE_KEY_PARAMS = {
  type: 'object',
  additionalProperties: false,
  required: ['cache_key'],
  properties: { cache_key: { type: 'string', minLength: 1, maxLength: 512, description: '{credential_name}:{execution_id} or {credential_name}:global[:{token_type}]' } },
} as const;
const CACHE_TYPE = { type: 'string', enum: ['secret', 'token'] } as const;
const NULLABLE_ID64 = { anyOf: [...ID64.anyOf, { type: 'null' }] } as const;
const NAME = { type: 'string', minLength: 1, maxLength: 128 } as const;

/** The upstream worker's POST body (its scope names: local for an execution, global or shared for the rest). */
interface AuthCacheBody {
  token_data: unknown;
  credential_type: string;
  cache_type?: CacheType;
  scope_type?: 'local' | 'global' | 'shared' | 'execution';
  ttl_seconds?: number | null;
  execution_id?: string | number | null;
  parent_execution_id?: string | number | null;
  expires_at?: string | null;
}

export function registerCacheRoutes(app: FastifyInstance, deps: { client: NoetlClient }): void {
  const cache = deps.client.cache;

  /** Data in clear for revealers unless they asked otherwise; the reveal is audited once it happened. */
  const revealAsked = (request: FastifyRequest, asked: boolean | undefined) => mayReveal(request) && asked !== false;

  app.get<{ Params: { cache_key: string }; Querystring: { reveal?: string } }>(
    '/api/auth-cache/:cache_key',
    {
      schema: {
        summary: 'A live cache entry {data, credential_type, cache_type, expires_at}; 404 is a miss. Data in clear for revealer and admin tokens (reveal=false: masked)',
        tags: ['cache'],
        params: CACHE_KEY_PARAMS,
        querystring: { type: 'object', additionalProperties: false, properties: { reveal: FLAG } },
      },
    },
    async (request) => {
      const key = request.params.cache_key;
      const reveal = revealAsked(request, flagOf(request.query.reveal));
      const entry = await cache.get(key, { reveal });
      if (!entry) throw notFoundError(`no live cache entry '${key}'`);
      if (reveal) noteReveal(request, key);
      return { data: entry.data, credential_type: entry.credential_type, cache_type: entry.cache_type, expires_at: entry.expires_at, cache_key: entry.cache_key, warnings: entry.warnings };
    },
  );

  app.post<{ Params: { cache_key: string }; Body: AuthCacheBody }>(
    '/api/auth-cache/:cache_key',
    {
      config: { access: 'writer', audit: true },
      schema: {
        summary: 'Store a cache entry under the caller’s key (the upstream worker’s set_cached), sealed',
        tags: ['cache'],
        params: CACHE_KEY_PARAMS,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['token_data', 'credential_type'],
          properties: {
            token_data: {},
            credential_type: NAME,
            cache_type: CACHE_TYPE,
            scope_type: { type: 'string', enum: ['local', 'global', 'shared', 'execution'], description: 'local (or execution): one execution; global and shared: every execution' },
            ttl_seconds: { anyOf: [{ type: 'number', exclusiveMinimum: 0 }, { type: 'null' }] },
            execution_id: NULLABLE_ID64,
            parent_execution_id: NULLABLE_ID64,
            expires_at: { anyOf: [{ type: 'string', maxLength: 64 }, { type: 'null' }] },
          },
        },
      },
    },
    async (request) => {
      const b = request.body;
      const executionId = optionalId64(b.execution_id, 'execution_id');
      const parentExecutionId = optionalId64(b.parent_execution_id, 'parent_execution_id');
      // The worker sends local for an execution's entry, and no scope at all never; without one, an execution id decides.
      const scope: CacheScope = b.scope_type === 'local' || b.scope_type === 'execution' || (b.scope_type === undefined && (executionId ?? parentExecutionId)) ? 'execution' : 'global';
      if (scope === 'execution' && !executionId && !parentExecutionId) throw invalidError('an execution-scoped cache entry needs execution_id or parent_execution_id');
      const stored = await cache.put({
        cache_key: request.params.cache_key,
        data: b.token_data,
        credential_type: b.credential_type,
        cache_type: b.cache_type,
        scope,
        execution_id: scope === 'execution' ? executionId : null,
        parent_execution_id: scope === 'execution' ? parentExecutionId : null,
        ...(b.expires_at != null ? { expires_at: b.expires_at } : b.ttl_seconds != null ? { ttl_seconds: b.ttl_seconds } : {}),
      });
      return { status: 'success', cache_key: stored.cache_key, expires_at: stored.expires_at };
    },
  );

  app.get<{ Querystring: { scope?: CacheScope; execution_id?: string; expired?: string } }>(
    '/api/cache',
    {
      schema: {
        summary: 'Cache entries, never their data (ours)',
        tags: ['cache'],
        querystring: { type: 'object', additionalProperties: false, properties: { scope: { type: 'string', enum: ['execution', 'global'] }, execution_id: ID64_TEXT, expired: FLAG } },
      },
    },
    async (request) => {
      const q = request.query;
      const entries = await cache.list({ scope: q.scope, execution_id: optionalId64(q.execution_id, 'execution_id'), expired: flagOf(q.expired) });
      return { count: entries.length, entries };
    },
  );

  app.get('/api/cache/stats', { schema: { summary: 'Credential cache statistics (ours)', tags: ['cache'] } }, async () => cache.stats());

  app.post<{ Params: { execution_id: string } }>(
    '/api/cache/cleanup/:execution_id',
    {
      config: { access: 'writer', audit: true },
      schema: { summary: "Remove an execution's entries and its children's (ours)", tags: ['cache'], params: { type: 'object', additionalProperties: false, required: ['execution_id'], properties: { execution_id: ID64_TEXT } } },
    },
    async (request) => cache.cleanup(id64Of(request.params.execution_id, 'execution_id')),
  );

  app.post('/api/cache/purge', { config: { access: 'writer', audit: true }, schema: { summary: 'Remove every expired entry (ours)', tags: ['cache'] } }, async () => cache.purgeExpired());

  app.post<{ Body: { credential_name: string; execution_id: string | number; parent_execution_id?: string | number | null; cache_ttl?: number; reveal?: boolean } }>(
    '/api/cache/fetch',
    {
      config: { access: 'writer', audit: true },
      schema: {
        summary: "Seed 004's fetch_credential_with_cache: the execution's cached copy of a credential, loaded and cached on a miss (ours); data in clear for revealers unless reveal=false",
        tags: ['cache'],
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['credential_name', 'execution_id'],
          properties: { credential_name: NAME, execution_id: ID64, parent_execution_id: NULLABLE_ID64, cache_ttl: { type: 'number', exclusiveMinimum: 0 }, reveal: { type: 'boolean' } },
        },
      },
    },
    async (request) => {
      const b = request.body;
      const reveal = revealAsked(request, b.reveal);
      const fetched = await cache.fetchCredential({
        credential_name: b.credential_name,
        execution_id: id64Of(b.execution_id, 'execution_id'),
        parent_execution_id: optionalId64(b.parent_execution_id, 'parent_execution_id') ?? null,
        ...(b.cache_ttl === undefined ? {} : { cache_ttl: b.cache_ttl }),
        reveal,
      });
      if (reveal) noteReveal(request, fetched.cache_key);
      return fetched;
    },
  );

  app.post<{ Body: { credential_name: string; token_data: unknown; token_type: string; expires_in?: number; credential_type?: string } }>(
    '/api/cache/tokens',
    {
      config: { access: 'writer', audit: true },
      schema: {
        summary: "Seed 004's store_token_in_cache: a global token entry (ours)",
        tags: ['cache'],
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['credential_name', 'token_data', 'token_type'],
          properties: { credential_name: NAME, token_data: {}, token_type: NAME, expires_in: { type: 'number', exclusiveMinimum: 0 }, credential_type: NAME },
        },
      },
    },
    async (request) => cache.storeToken(request.body),
  );
}
