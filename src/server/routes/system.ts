/** The server's own routes: liveness, readiness, metrics and the API description. */
import type { FastifyInstance } from 'fastify';
import type { TokenAuthority } from '../../api/tokens.js';
import { NoetlError } from '../../core/errors.js';
import type { Metrics } from '../metrics.js';
import type { OpenApiCollector } from '../openapi.js';

const STATUS_SCHEMA = { type: 'object', required: ['status'], properties: { status: { type: 'string' } } } as const;

export function registerSystemRoutes(app: FastifyInstance, deps: { tokens: TokenAuthority; metrics: Metrics; openapi: OpenApiCollector; version: string }): void {
  app.get(
    '/health',
    { config: { access: 'public' }, schema: { summary: 'Liveness: the process answers', tags: ['system'], response: { 200: STATUS_SCHEMA } } },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/ready',
    {
      config: { access: 'public' },
      schema: { summary: 'Readiness: the database is reachable and its schema current (503 otherwise)', tags: ['system'], response: { 200: STATUS_SCHEMA } },
    },
    async () => {
      try {
        await deps.tokens.ready();
      } catch (err) {
        // Whatever the database threw, the answer is "not ready"; the message says why when it is ours.
        if (err instanceof NoetlError) throw new NoetlError('unavailable', `not ready: ${err.message}`, { hint: err.hint, cause: err });
        throw new NoetlError('unavailable', 'not ready: the database did not answer', { cause: err });
      }
      return { status: 'ready' };
    },
  );

  app.get(
    '/metrics',
    { config: { access: 'reader' }, schema: { summary: 'Prometheus metrics (text exposition format 0.0.4)', tags: ['system'], response: { 200: { type: 'string' } } } },
    async (_request, reply) => reply.type('text/plain; version=0.0.4; charset=utf-8').send(deps.metrics.render()),
  );

  app.get(
    '/openapi.json',
    { config: { access: 'public' }, schema: { summary: 'This API, as OpenAPI 3.1', tags: ['system'] } },
    async () => deps.openapi.document(deps.version),
  );
}
