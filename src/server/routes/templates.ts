/**
 * Templates (ours): rendering a playbook's step templates for one execution, and resolving a
 * playbook's keychain section (which fetches and stores entries: a write). Secrets and what
 * derives from them are in clear only for a token allowed to reveal (audited). Over
 * client.templates only.
 */
import type { FastifyInstance } from 'fastify';
import type { NoetlClient } from '../../api/index.js';
import type { Metrics } from '../metrics.js';
import { ID64, id64Of, mayReveal, noteReveal, optionalId64 } from './common.js';
import { tokenRequestCounter } from './keychain.js';

const CONTENT = { type: 'string', minLength: 1, description: 'the playbook YAML' } as const;
const TEXT = { type: 'string', minLength: 1, maxLength: 512 } as const;

interface RenderBody {
  content: string;
  source?: string;
  execution_id: string | number;
  step?: string;
  catalog_id?: string | number;
  root_execution_id?: string | number;
  reveal?: boolean;
}

interface ResolveBody {
  content: string;
  source?: string;
  playbook?: string;
  catalog_id?: string | number;
  execution_id: string | number;
  root_execution_id?: string | number;
  workload?: Record<string, unknown>;
  dry_run?: boolean;
  timeout_seconds?: number;
  reveal?: boolean;
}

/** Leaves out what is undefined, so that the client sees "not given". */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

export function registerTemplateRoutes(app: FastifyInstance, deps: { client: NoetlClient; metrics: Metrics }): void {
  const templates = deps.client.templates;
  const countingTokenRequests = tokenRequestCounter(deps.metrics);

  app.post<{ Body: RenderBody }>(
    '/api/templates/render',
    {
      schema: {
        summary: 'Render the step templates for one execution, listing every reference that does not resolve; secrets in clear for revealers with reveal=true',
        tags: ['templates'],
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['content', 'execution_id'],
          properties: { content: CONTENT, source: TEXT, execution_id: ID64, step: TEXT, catalog_id: ID64, root_execution_id: ID64, reveal: { type: 'boolean' } },
        },
      },
    },
    async (request) => {
      const b = request.body;
      const reveal = mayReveal(request) && b.reveal === true;
      const executionId = id64Of(b.execution_id, 'execution_id');
      const result = await templates.render(
        defined({
          content: b.content,
          source: b.source,
          execution_id: executionId,
          step: b.step,
          catalog_id: optionalId64(b.catalog_id, 'catalog_id'),
          root_execution_id: optionalId64(b.root_execution_id, 'root_execution_id'),
          reveal,
        }),
      );
      if (reveal) noteReveal(request, executionId);
      return result;
    },
  );

  app.post<{ Body: ResolveBody }>(
    '/api/keychain/resolve',
    {
      config: { access: 'writer', audit: true },
      schema: {
        summary: "Resolve (or with dry_run plan) a playbook's keychain section for one execution; values in clear for revealers with reveal=true",
        tags: ['keychain'],
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['content', 'execution_id'],
          properties: {
            content: CONTENT,
            source: TEXT,
            playbook: TEXT,
            catalog_id: ID64,
            execution_id: ID64,
            root_execution_id: ID64,
            workload: { type: 'object' },
            dry_run: { type: 'boolean' },
            timeout_seconds: { type: 'number', exclusiveMinimum: 0 },
            reveal: { type: 'boolean' },
          },
        },
      },
    },
    async (request) => {
      const b = request.body;
      const reveal = mayReveal(request) && b.reveal === true;
      const executionId = id64Of(b.execution_id, 'execution_id');
      const resolveRequest = defined({
        content: b.content,
        source: b.source,
        playbook: b.playbook,
        catalog_id: optionalId64(b.catalog_id, 'catalog_id'),
        execution_id: executionId,
        root_execution_id: optionalId64(b.root_execution_id, 'root_execution_id'),
        workload: b.workload,
        dry_run: b.dry_run,
        timeout_seconds: b.timeout_seconds,
        reveal,
      });
      const result = await countingTokenRequests(() => templates.resolveKeychain(resolveRequest));
      if (reveal && !result.dry_run) noteReveal(request, executionId);
      return result;
    },
  );
}
