/**
 * `noetl serve`'s HTTP application: Fastify over a NoetlClient. What every route shares lives
 * here, once: bearer-token auth by default (a route's `config.access` says the role it needs),
 * one error table (errors.ts), JSON bodies parsed with 64-bit integers exact and a size limit,
 * request metrics, one structured log line per request, and the audit trail of writes and
 * reveals. Tests drive it with `app.inject()`; `noetl serve` listens with it.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { NoetlClient } from '../api/index.js';
import type { TokenAuthority, TokenIdentity, TokenRole } from '../api/tokens.js';
import { unavailableError } from '../core/errors.js';
import { parseJsonExact } from '../core/json.js';
import { authenticate, DEFAULT_ACCESS, handlerCheckedRole, requireRole, requireToken, type RouteAccess } from './auth.js';
import { errorBody, toHttpError } from './errors.js';
import { jsonLogger, type ServerLogger } from './log.js';
import { Gauge, Metrics } from './metrics.js';
import { OpenApiCollector } from './openapi.js';
import { compileSchema } from './validation.js';
import { registerCacheRoutes } from './routes/cache.js';
import { registerCatalogRoutes } from './routes/catalog.js';
import { registerCredentialRoutes } from './routes/credentials.js';
import { registerKeychainRoutes } from './routes/keychain.js';
import { registerSystemRoutes } from './routes/system.js';
import { registerTemplateRoutes } from './routes/templates.js';
import { registerTokenRoutes } from './routes/tokens.js';
import { registerVarsRoutes } from './routes/vars.js';

export const DEFAULT_BODY_LIMIT = 1024 * 1024;
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

declare module 'fastify' {
  /** What /openapi.json shows of a route beside its schemas. */
  interface FastifySchema {
    summary?: string;
    description?: string;
    tags?: string[];
  }
  interface FastifyContextConfig {
    /** The role a route needs (`reader` when unset), or `public`. */
    access?: RouteAccess;
    /**
     * true: every answer of this route is written to the audit log (writes). 'failures': only
     * refusals and errors, because the client writes the row of a success itself, in the same
     * transaction as the change (token create and remove, given the caller).
     */
    audit?: boolean | 'failures';
    /**
     * true: the handler checks the request's token itself, in the database statement that does
     * its work (a keychain read: one round trip instead of two), and sets `identity`; this hook
     * only requires a token to be sent. A failure before the handler checked it is answered
     * after the token is checked here after all: 401 for a token that is not valid, as anywhere.
     */
    tokenCheckedByHandler?: boolean;
  }
  interface FastifyRequest {
    /** Who sent it, once authenticated (undefined on public routes). */
    identity?: TokenIdentity;
    /** Audit lines a handler noted (a reveal), written when the answer is sent. */
    auditNotes?: AuditNote[];
    /** What a write acted on, for its audit row, when the route's path parameters do not say (a name in the body). */
    auditTarget?: string;
  }
}

/** What a handler notes for the audit log: the action and its target; who, when, where from and the outcome are added. */
export interface AuditNote {
  action: string;
  target?: string;
}

export interface ServerOptions {
  client: NoetlClient;
  /** Service tokens, the audit log and the readiness probe of the server's database. */
  tokens: TokenAuthority;
  /** false: every request is an anonymous admin (`--insecure-no-auth`, loopback listeners only). */
  auth?: boolean;
  logger?: ServerLogger;
  /** Largest request body in bytes (413 beyond): 1 MiB by default. */
  bodyLimit?: number;
  /** Time to receive a whole request, and the longest a connection may stay silent, in ms (a listening server only). */
  requestTimeoutMs?: number;
  /** PEM certificate chain and key: HTTPS instead of HTTP. */
  https?: { cert: string; key: string };
  /** The version /openapi.json reports. */
  version?: string;
  metrics?: Metrics;
}

/** Notes an audit line for this request (a reveal, a write a route decides on), written with the answer. */
export function noteAudit(request: FastifyRequest, note: AuditNote): void {
  (request.auditNotes ??= []).push(note);
}

export function buildServer(options: ServerOptions): FastifyInstance {
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const logger = options.logger ?? jsonLogger(() => undefined, 'silent');
  const metrics = options.metrics ?? new Metrics();
  const tokens = options.auth === false ? undefined : options.tokens;
  const openapi = new OpenApiCollector();

  const requestTimeout = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  // Node checks request timeouts every 30 s by default, so a 30 s timeout could last a minute.
  const timeoutChecks = { connectionsCheckingInterval: Math.min(1000, requestTimeout) };
  const app = Fastify({
    logger: false,
    bodyLimit,
    requestTimeout,
    // A client that stops sending (or reading) for as long is cut off: a slow body otherwise
    // holds its connection, and a shutdown, for ever.
    connectionTimeout: requestTimeout,
    http: timeoutChecks,
    // While shutting down new requests get 503 from our own hook below (in the error shape of
    // API.md), and idle keep-alive connections are closed.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    ...(options.https ? { https: { cert: options.https.cert, key: options.https.key, ...timeoutChecks } } : {}),
  }) as unknown as FastifyInstance;

  app.setValidatorCompiler(compileSchema);
  app.addHook('onRoute', (route) => openapi.add(route));

  // Shutting down: answers still in flight end their keep-alive connection, or close() would
  // wait for the client to hang up.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    if (closing) void reply.header('connection', 'close');
    return payload;
  });

  // JSON only, parsed by our reader: integers beyond 2^53 stay exact, nesting is bounded, and
  // a syntax error names a line and column, never the text (a body may be secret).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = body as string;
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, parseJsonExact(text, 'request body'));
    } catch (err) {
      done(err as Error, undefined);
    }
  });

  app.addHook('onRequest', async (request) => {
    if (closing) throw unavailableError('the server is shutting down: retry on another replica or in a moment');
    if (request.is404) return;
    const access = request.routeOptions.config.access ?? DEFAULT_ACCESS;
    if (access === 'public') return;
    if (tokens && request.routeOptions.config.tokenCheckedByHandler) {
      requireToken(request);
      return;
    }
    await checkCaller(request, access);
  });

  /** Who sent the request (known before the role check, so that a refusal is logged and audited with who it was), and that its role is enough. */
  async function checkCaller(request: FastifyRequest, access: TokenRole): Promise<void> {
    request.identity = await authenticate(request, tokens);
    requireRole(request.identity, access);
  }

  app.setErrorHandler(async (failure, request, reply) => {
    let err = failure;
    let { status, body } = toHttpError(err, { bodyLimit });
    // A route that checks its token in its handler refused the request before it did (a bad
    // parameter): the token decides first, as on every route. Not for a 401 (the token already
    // decided) or a 5xx (shutting down, the database away: asking it again would only fail again).
    const config = request.is404 ? undefined : request.routeOptions.config;
    if (tokens && request.identity === undefined && config?.tokenCheckedByHandler && status >= 400 && status < 500 && status !== 401) {
      try {
        await checkCaller(request, handlerCheckedRole(config.access));
      } catch (authFailure) {
        err = authFailure as Error;
        ({ status, body } = toHttpError(err, { bodyLimit }));
      }
    }
    // A bug (500) is an error for the operator; unavailable (503: the database is away) a warning.
    if (status >= 500) (status === 500 ? logger.error : logger.warn)('request failed', { request_id: request.id, route: routeOf(request), error: err instanceof Error ? err.message : String(err) });
    if (status === 401) void reply.header('www-authenticate', 'Bearer');
    return reply.code(status).send(body);
  });

  app.setNotFoundHandler((request, reply) => {
    const path = (request.url.split('?')[0] ?? '').slice(0, 200);
    return reply.code(404).send(errorBody(404, 'not_found', `no route ${request.method} ${path}`, { hint: { text: 'GET /openapi.json lists the routes' } }));
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = routeOf(request);
    const status = reply.statusCode;
    const seconds = reply.elapsedTime / 1000;
    metrics.requests.inc({ method: request.method, route, status: String(status) });
    metrics.latency.observe({ method: request.method, route }, seconds);
    if (status === 401 || status === 403) metrics.authFailures.inc({ status: String(status) });
    logger.info('request', {
      request_id: request.id,
      method: request.method,
      route,
      status,
      ms: Math.round(reply.elapsedTime * 10) / 10,
      ...(request.identity ? { actor: request.identity.name } : {}),
    });
    await writeAudit(request, reply, route);
  });

  async function writeAudit(request: FastifyRequest, reply: FastifyReply, route: string): Promise<void> {
    const audit = request.routeOptions.config.audit;
    const routeNote = audit === true || (audit === 'failures' && reply.statusCode >= 400);
    const notes = [...(routeNote && !request.is404 ? [{ action: `${request.method} ${route}`, target: request.auditTarget ?? paramsTarget(request) }] : []), ...(request.auditNotes ?? [])];
    if (!notes.length || !options.tokens) return;
    const outcome = reply.statusCode < 400 ? 'ok' : String(reply.statusCode);
    for (const note of notes) {
      try {
        await options.tokens.record({ actor: request.identity?.name ?? 'anonymous', action: note.action, target: note.target ?? null, source: request.ip, outcome });
      } catch (err) {
        logger.error('audit write failed', { request_id: request.id, route, error: err instanceof Error ? err.message : String(err) });
      }
    }
  }

  registerSystemRoutes(app, { tokens: options.tokens, metrics, openapi, version: options.version ?? '0.0.0' });
  const poolUse = options.tokens.poolUse?.bind(options.tokens);
  if (poolUse && !metrics.has('noetl_db_pool_connections')) {
    metrics.register(
      new Gauge('noetl_db_pool_connections', 'Database connections of this server, by state (in_use, idle, waiting: callers waiting for one; max: the most the pool opens).', () => {
        const use = poolUse();
        if (!use) return [];
        return [
          { labels: { state: 'in_use' }, value: use.total - use.idle },
          { labels: { state: 'idle' }, value: use.idle },
          { labels: { state: 'waiting' }, value: use.waiting },
          { labels: { state: 'max' }, value: use.max },
        ];
      }),
    );
  }
  const client = options.client;
  registerCredentialRoutes(app, { client });
  registerKeychainRoutes(app, { client, metrics });
  registerVarsRoutes(app, { client });
  registerCacheRoutes(app, { client });
  registerCatalogRoutes(app, { client });
  registerTemplateRoutes(app, { client, metrics });
  registerTokenRoutes(app, { client });
  return app;
}

/** A write's target from its path parameters (`pg_prod`, `518508477736551392/token`): names and ids, never values. */
function paramsTarget(request: FastifyRequest): string | undefined {
  const values = Object.values((request.params ?? {}) as Record<string, unknown>).filter((v): v is string => typeof v === 'string');
  return values.length ? values.join('/').slice(0, 512) : undefined;
}

/** The route's template (`/api/credentials/:identifier`), never the URL itself: bounded label values, no names or query in logs. */
function routeOf(request: FastifyRequest): string {
  return request.is404 ? 'unmatched' : (request.routeOptions.url ?? 'unmatched');
}

