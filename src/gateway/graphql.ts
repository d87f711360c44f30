/**
 * POST /graphql (seed 002): `executePlaybook` (an `execute` check, then the NoETL server's
 * POST /api/execute) and `execution(id)` (its GET /api/executions/{id}/status; seed 002 queries
 * it, upstream never built it). A session is required (401 without one, in API.md's error
 * shape); GraphQL errors are HTTP 200 with `errors`, each with `extensions.code` (our error code).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { GraphQLError, GraphQLScalarType, valueFromASTUntyped, type ExecutionResult } from 'graphql';
import mercurius from 'mercurius';
import { invalidError, NoetlError, notFoundError, unavailableError } from '../core/errors.js';
import { tokenOf } from '../server/auth.js';
import type { ServerLogger } from '../server/log.js';
import type { NoetlServer } from './noetl-server.js';
import type { AuditNote, GatewayService, LiveSession } from './service.js';

const SCHEMA = `
  "Any JSON value"
  scalar JSON

  type ExecuteResult {
    id: ID!
    executionId: ID!
    requestId: ID
    name: String!
    status: String!
    textOutput: String
  }

  type Execution {
    id: ID!
    "running, completed or failed"
    status: String!
    result: JSON
    completed: Boolean
    failed: Boolean
    currentStep: String
  }

  type Query {
    execution(id: ID!): Execution
  }

  type Mutation {
    executePlaybook(name: String!, variables: JSON, resourceKind: String, clientId: String): ExecuteResult
  }
`;

const JSON_SCALAR = new GraphQLScalarType({
  name: 'JSON',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (ast, variables) => valueFromASTUntyped(ast, variables ?? undefined),
});

interface GraphqlContext {
  session: LiveSession;
  request: FastifyRequest;
}

export interface GraphqlDeps {
  service: GatewayService;
  noetlServer?: NoetlServer;
  graphiql: boolean;
  audit(request: FastifyRequest, note: AuditNote): Promise<void>;
  logger: ServerLogger;
}

const PLAYBOOK_PATH = /^[A-Za-z0-9][A-Za-z0-9/_.-]{0,499}$/;

export function registerGraphql(app: FastifyInstance, deps: GraphqlDeps): void {
  const { service, audit } = deps;
  const server = (): NoetlServer => {
    if (!deps.noetlServer) throw unavailableError('this gateway has no NoETL server to run playbooks on: start it with --noetl-server URL');
    return deps.noetlServer;
  };

  // Mercurius's routes: public at the service-token level, a session required here instead.
  app.addHook('onRoute', (route) => {
    if (route.url === '/graphql') {
      route.config = { ...(route.config as object), access: 'public' };
      const own = route.preHandler ? [route.preHandler].flat() : [];
      route.preHandler = [requireSession, ...own];
    } else if (route.url.startsWith('/graphiql')) {
      route.config = { ...(route.config as object), access: 'public' };
    }
  });

  async function requireSession(request: FastifyRequest): Promise<void> {
    const session = await service.session(tokenOf(request));
    if (!session) {
      throw new NoetlError('unauthenticated', 'a valid session is required: log in with POST /api/auth/login and send Authorization: Bearer <session_token>', {
        hint: { command: 'auth login --gateway URL', text: 'logs in from the terminal' },
      });
    }
    request.gatewaySession = session;
  }

  const resolvers = {
    JSON: JSON_SCALAR,
    Mutation: {
      async executePlaybook(_root: unknown, args: { name: string; variables?: unknown; resourceKind?: string; clientId?: string }, ctx: GraphqlContext) {
        const { session, request } = ctx;
        const name = args.name.trim();
        if (!PLAYBOOK_PATH.test(name)) throw invalidError('name is not a playbook path (e.g. api_integration/amadeus_ai_api)');
        const workload = args.variables ?? {};
        if (workload === null || typeof workload !== 'object' || Array.isArray(workload)) throw invalidError('variables must be a JSON object');
        const who = { user_id: session.user.user_id, session_id: session.session_id, resource_type: 'playbook', resource_id: name };
        if (!(await service.allowed(session.user.user_id, name, 'execute'))) {
          await audit(request, { ...who, event_type: 'playbook_execute', event_status: 'denied', details: { playbook_path: name } });
          throw new NoetlError('forbidden', `you do not have permission to execute playbook ${name}`, { hint: { text: 'ask an administrator for an execute grant (noetl access grant ROLE PATTERN --execute)' } });
        }
        let started: Awaited<ReturnType<NoetlServer['execute']>>;
        try {
          started = await server().execute({ path: name, workload: workload as Record<string, unknown>, resource_kind: args.resourceKind ?? 'playbook' });
        } catch (err) {
          await audit(request, { ...who, event_type: 'playbook_execute', event_status: 'failure', details: { playbook_path: name, reason: err instanceof NoetlError ? err.code : 'error' } });
          throw err;
        }
        await audit(request, {
          ...who,
          event_type: 'playbook_execute',
          event_status: 'success',
          resource_type: 'execution',
          resource_id: started.execution_id,
          details: { playbook_path: name, request_id: started.request_id, ...(args.clientId ? { client_id: args.clientId.slice(0, 200) } : {}) },
        });
        return {
          id: started.execution_id,
          executionId: started.execution_id,
          requestId: started.request_id,
          name: name.split('/').pop(),
          status: started.status ?? 'running',
          textOutput: null,
        };
      },
    },
    Query: {
      async execution(_root: unknown, args: { id: string }, ctx: GraphqlContext) {
        const id = String(args.id).trim();
        if (!/^[A-Za-z0-9_.:-]{1,100}$/.test(id)) throw invalidError('id is not an execution id');
        // Fail closed: only executions started through this gateway, by someone whose roles may view that playbook.
        const path = await service.executionPlaybook(id);
        if (!path) throw notFoundError(`no execution ${id} was started through this gateway`);
        if (!(await service.allowed(ctx.session.user.user_id, path, 'view'))) throw new NoetlError('forbidden', `you do not have permission to view playbook ${path}`);
        const body = await server().status(id);
        const failed = body.failed === true || /^(failed|error)$/i.test(String(body.status ?? ''));
        const completed = !failed && (body.completed === true || /^(completed|success)$/i.test(String(body.status ?? '')));
        return {
          id,
          status: failed ? 'failed' : completed ? 'completed' : 'running',
          result: body.result ?? body,
          completed,
          failed,
          currentStep: typeof body.current_step === 'string' ? body.current_step : null,
        };
      },
    },
  };

  void app.register(mercurius, {
    schema: SCHEMA,
    resolvers: resolvers as never,
    graphiql: deps.graphiql,
    path: '/graphql',
    context: (request: FastifyRequest) => ({ session: request.gatewaySession, request }),
    errorFormatter: (execution) => ({ statusCode: 200, response: { data: execution.data ?? null, errors: execution.errors.map(graphqlError) } }),
    // A refusal before the query ran (no session): API.md's error shape and status, from the app's handler.
    errorHandler: (error, _request, reply) => {
      if (error instanceof NoetlError) throw error;
      const errors = ((error as { errors?: readonly GraphQLError[] }).errors ?? [new GraphQLError(error.message)]).map(graphqlError);
      void reply.code(200).send({ data: null, errors } satisfies ExecutionResult);
    },
  });

  /** A GraphQL error with our code; a bug says nothing more than that (the log has it). */
  function graphqlError(error: GraphQLError): GraphQLError {
    const original = error.originalError;
    if (original instanceof NoetlError) {
      return new GraphQLError(original.message, { nodes: error.nodes, path: error.path, extensions: { code: original.code, ...(original.hint ? { hint: original.hint } : {}) } });
    }
    if (original && !(original instanceof GraphQLError)) {
      deps.logger.error('graphql resolver failed', { path: error.path?.join('.'), error: original.message });
      return new GraphQLError('internal error (this is a bug in noetl; the gateway log has the details)', { nodes: error.nodes, path: error.path, extensions: { code: 'internal' } });
    }
    return new GraphQLError(error.message, { nodes: error.nodes, path: error.path, extensions: { code: 'invalid' } });
  }
}
