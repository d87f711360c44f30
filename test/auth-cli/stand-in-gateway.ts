/**
 * A small stand-in for `noetl gateway` on 127.0.0.1:0 that speaks real GraphQL (graphql@16
 * executing a schema with executePlaybook and execution(id)) and the session routes, recording
 * what it was asked. Executions go through the statuses `script` lists, one per execution(id) call.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildSchema, graphql, GraphQLScalarType } from 'graphql';

export interface StandInGateway {
  url: string;
  /** Every executePlaybook call: the playbook name and variables. */
  executed: { name: string; variables: unknown; token: string | undefined }[];
  /** How many execution(id) calls were answered. */
  polls: number;
  /** The session tokens the gateway accepts (`login` adds one per call). */
  sessions: Set<string>;
  close(): Promise<void>;
}

export interface StandInOptions {
  /** The statuses execution(id) answers, one per call; the last one repeats. */
  script?: string[];
  /** The Auth0 token login accepts. */
  auth0Token?: string;
  /** Paths executePlaybook refuses, as the gateway does without `execute` access. */
  forbidden?: string[];
}

const SDL = `
  scalar JSON
  type ExecuteResult { id: ID! executionId: ID requestId: ID name: String status: String! textOutput: String }
  type Execution { id: ID! status: String! result: JSON }
  type Query { execution(id: ID!): Execution }
  type Mutation { executePlaybook(name: String!, variables: JSON, resourceKind: String, clientId: String): ExecuteResult }
`;

async function readBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : undefined;
}

export async function startStandInGateway(options: StandInOptions = {}): Promise<StandInGateway> {
  const schema = buildSchema(SDL);
  (schema.getType('JSON') as GraphQLScalarType).parseValue = (v: unknown) => v;
  (schema.getType('JSON') as GraphQLScalarType).serialize = (v: unknown) => v;
  const script = options.script ?? ['completed'];
  const state: Omit<StandInGateway, 'url' | 'close'> = { executed: [], polls: 0, sessions: new Set() };
  let next = 507431238966182398n;
  const root = {
    executePlaybook: ({ name, variables }: { name: string; variables: unknown }, context: { token?: string }) => {
      if (options.forbidden?.includes(name)) throw new Error(`access denied: no execute permission on ${name}`);
      state.executed.push({ name, variables, token: context.token });
      const id = String(next++);
      return { id, executionId: id, name: name.split('/').pop(), status: 'running', textOutput: null };
    },
    execution: ({ id }: { id: string }) => {
      if (id === 'missing') return null;
      const status = script[Math.min(state.polls, script.length - 1)];
      state.polls++;
      return { id, status, result: status === 'completed' ? { rows: 3, big: '9007199254740993' } : null };
    },
  };
  const server: Server = createServer(async (request, response) => {
    const reply = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    const body = (await readBody(request)) as Record<string, unknown> | undefined;
    const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    switch (request.url) {
      case '/api/auth/login': {
        if (body?.auth0_token !== (options.auth0Token ?? 'auth0-good')) return reply(401, { error: 'invalid Auth0 token' });
        const token = `noetl-session-${state.sessions.size + 1}`;
        state.sessions.add(token);
        return reply(200, {
          status: 'authenticated',
          session_token: token,
          user: { user_id: 1, email: 'ada@example.com', display_name: 'Ada', roles: ['developer'] },
          expires_at: '2099-01-01T08:00:00Z',
          message: 'ok',
        });
      }
      case '/api/auth/validate': {
        const valid = state.sessions.has(String(body?.session_token));
        return reply(200, valid
          ? { valid, user: { user_id: 1, email: 'ada@example.com', display_name: 'Ada', roles: ['developer'] }, expires_at: '2099-01-01T08:00:00Z', message: 'valid' }
          : { valid, user: null, expires_at: null, message: 'invalid or expired session' });
      }
      case '/api/auth/logout':
        state.sessions.delete(String(body?.session_token));
        return reply(200, { status: 'logged_out' });
      case '/graphql': {
        if (!bearer || !state.sessions.has(bearer)) return reply(401, { error: 'authentication required' });
        const { query, variables } = body as { query: string; variables?: Record<string, unknown> };
        return reply(200, await graphql({ schema, source: query, rootValue: root, variableValues: variables, contextValue: { token: bearer } }));
      }
      default:
        return reply(404, { error: 'not found' });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
