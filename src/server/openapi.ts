/**
 * GET /openapi.json: an OpenAPI 3.1 description built from the routes as they are registered
 * (their Fastify schemas and access), so it cannot drift from what the server validates.
 */
import type { RouteOptions } from 'fastify';
import type { RouteAccess } from './auth.js';
import { DEFAULT_ACCESS } from './auth.js';

interface RouteSchema {
  summary?: string;
  description?: string;
  tags?: string[];
  params?: JsonSchema;
  querystring?: JsonSchema;
  body?: JsonSchema;
  response?: Record<string, JsonSchema>;
}

type JsonSchema = { properties?: Record<string, JsonSchema>; required?: string[]; description?: string; [key: string]: unknown };

export class OpenApiCollector {
  private readonly paths: Record<string, Record<string, unknown>> = {};

  /** Records a route (Fastify's onRoute hook); HEAD routes Fastify adds for GETs are left out. */
  add(route: RouteOptions): void {
    const methods = (Array.isArray(route.method) ? route.method : [route.method]).map((m) => m.toLowerCase()).filter((m) => m !== 'head');
    if (!methods.length) return;
    const schema = (route.schema ?? {}) as RouteSchema;
    const access = ((route.config as { access?: RouteAccess } | undefined)?.access ?? DEFAULT_ACCESS) as RouteAccess;
    const path = route.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const operation: Record<string, unknown> = {};
    if (schema.summary) operation.summary = schema.summary;
    if (schema.description) operation.description = schema.description;
    if (schema.tags) operation.tags = schema.tags;
    const parameters = [...parametersOf(schema.params, 'path'), ...parametersOf(schema.querystring, 'query')];
    if (parameters.length) operation.parameters = parameters;
    if (schema.body) operation.requestBody = { required: true, content: { 'application/json': { schema: schema.body } } };
    const responses: Record<string, unknown> = {};
    for (const [status, body] of Object.entries(schema.response ?? {})) {
      responses[status] = { description: body.description ?? `HTTP ${status}`, content: { [status === '200' && route.url === '/metrics' ? 'text/plain' : 'application/json']: { schema: body } } };
    }
    responses.default = { description: 'An error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
    operation.responses = responses;
    if (access === 'public') operation.security = [];
    else operation['x-noetl-role'] = access;
    for (const method of methods) (this.paths[path] ??= {})[method] = operation;
  }

  document(version: string): unknown {
    return {
      openapi: '3.1.0',
      info: { title: 'noetl serve', version, description: "NoETL's authentication data plane over HTTP (API.md). Roles: reader < writer < revealer < admin." },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A service token (noetl token create)' } },
        schemas: { Error: ERROR_SCHEMA },
      },
      security: [{ bearer: [] }],
      paths: this.paths,
    };
  }
}

function parametersOf(schema: JsonSchema | undefined, where: 'path' | 'query'): unknown[] {
  if (!schema?.properties) return [];
  return Object.entries(schema.properties).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || (schema.required ?? []).includes(name),
    schema: property,
    ...(property.description ? { description: property.description } : {}),
  }));
}

/** The error body of API.md (src/server/errors.ts). */
export const ERROR_SCHEMA = {
  type: 'object',
  required: ['error', 'status', 'code', 'detail'],
  properties: {
    error: { type: 'string' },
    status: { type: 'integer' },
    code: { type: 'string', enum: ['invalid', 'unauthenticated', 'forbidden', 'not_found', 'conflict', 'expired', 'unavailable', 'internal'] },
    detail: { type: 'string' },
    hint: { type: 'object', properties: { option: { type: 'string' }, command: { type: 'string' }, text: { type: 'string' } } },
    details: { type: 'array', items: { type: 'string' } },
    reason: { type: 'string' },
  },
} as const;
