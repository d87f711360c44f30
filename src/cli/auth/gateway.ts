/**
 * What the CLI asks of `noetl gateway` (API.md "Gateway", seed 002): login, validate and logout
 * of sessions, and GraphQL (`executePlaybook`, `execution`). The session token travels in
 * `Authorization: Bearer`; it is never part of an error message.
 */
import { ERROR_CODES, NoetlError, type ErrorCode } from '../../core/errors.js';
import { answerMessage, joinUrl, sendRequest, type HttpAnswer } from './http.js';

export interface GatewayUser {
  /** A 64-bit id: a string, or a number when small. */
  user_id: string | number;
  email: string;
  display_name: string | null;
  roles?: string[];
}

/** POST /api/auth/login's answer (seed 002). */
export interface LoginAnswer {
  status: string;
  session_token: string;
  user: GatewayUser;
  expires_at: string;
  message?: string;
}

/** POST /api/auth/validate's answer. */
export interface ValidateAnswer {
  valid: boolean;
  user: GatewayUser | null;
  expires_at: string | null;
  message?: string;
}

/** POST /api/auth/check-access's answer (200 allowed or not). */
export interface CheckAccessAnswer {
  allowed: boolean;
  user: GatewayUser | null;
  playbook_path: string;
  permission_type: string;
  message?: string;
}

/** executePlaybook's ExecuteResult (API.md). */
export interface ExecuteResult {
  id: string;
  executionId?: string | null;
  requestId?: string | null;
  name?: string | null;
  status: string;
  textOutput?: string | null;
}

/** execution(id)'s answer (seed 002: `{ id status result }`). */
export interface ExecutionState {
  id: string;
  status: string;
  result?: unknown;
}

const EXECUTE = 'mutation Execute($name: String!, $vars: JSON) { executePlaybook(name: $name, variables: $vars) { id executionId name status textOutput } }';
const STATUS = 'query Status($id: ID!) { execution(id: $id) { id status result } }';

/** HTTP statuses of a gateway (or an upstream one) and what they mean to the CLI. */
function codeOfStatus(status: number): ErrorCode {
  if (status === 400 || status === 413 || status === 415 || status === 422) return 'invalid';
  if (status === 401) return 'unauthenticated';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 409) return 'conflict';
  if (status === 410) return 'expired';
  if (status >= 500 || status === 429) return 'unavailable';
  return 'internal';
}

function knownCode(value: unknown): ErrorCode | undefined {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value) ? (value as ErrorCode) : undefined;
}

export class Gateway {
  constructor(
    readonly url: URL,
    private readonly token?: string,
  ) {}

  /** Exchanges an Auth0 access token for a session (POST /api/auth/login). */
  async login(body: { auth0_token: string; auth0_domain?: string; session_duration_hours?: number }): Promise<LoginAnswer> {
    return (await this.post('/api/auth/login', body, 'login')) as LoginAnswer;
  }

  /** Whether a session token is valid, and whose (POST /api/auth/validate; 200 either way). */
  async validate(sessionToken: string): Promise<ValidateAnswer> {
    return (await this.post('/api/auth/validate', { session_token: sessionToken }, 'validate')) as ValidateAnswer;
  }

  /** Ends a session on the server (POST /api/auth/logout). */
  async logout(sessionToken: string): Promise<void> {
    await this.post('/api/auth/logout', { session_token: sessionToken }, 'logout');
  }

  /** Whether this session may do `permissionType` on a playbook (POST /api/auth/check-access). */
  async checkAccess(playbookPath: string, permissionType: string): Promise<CheckAccessAnswer> {
    return (await this.post('/api/auth/check-access', { session_token: this.token, playbook_path: playbookPath, permission_type: permissionType }, 'check-access')) as CheckAccessAnswer;
  }

  /** Starts a playbook by catalog path; the gateway checks `execute` access first. */
  async executePlaybook(name: string, variables: Record<string, unknown>): Promise<ExecuteResult> {
    const data = (await this.graphql(EXECUTE, { name, vars: variables })) as { executePlaybook?: ExecuteResult | null };
    if (!data.executePlaybook) throw new NoetlError('internal', `the gateway at ${this.url.origin} answered executePlaybook without a result`);
    return data.executePlaybook;
  }

  async execution(id: string): Promise<ExecutionState> {
    const data = (await this.graphql(STATUS, { id })) as { execution?: ExecutionState | null };
    if (!data.execution) throw new NoetlError('not_found', `execution '${id}' not found`);
    return data.execution;
  }

  /** One GraphQL operation: its `data`, or its first error as a NoetlError (GraphQL errors come with HTTP 200). */
  async graphql(query: string, variables: Record<string, unknown>): Promise<Record<string, unknown>> {
    const answer = await this.send('/graphql', { query, variables });
    if (answer.status !== 200) throw this.failure(answer, 'graphql');
    const body = answer.json as { data?: Record<string, unknown> | null; errors?: { message?: string; extensions?: { code?: unknown } }[] } | undefined;
    const first = body?.errors?.[0];
    if (first) {
      const extension = first.extensions?.code;
      const code = knownCode(typeof extension === 'string' ? extension.toLowerCase() : extension) ?? graphqlCode(String(extension ?? ''));
      throw new NoetlError(code, `the gateway refused it: ${first.message ?? 'unknown error'}`, code === 'unauthenticated' ? { hint: { command: 'auth login', text: 'to start a new session' } } : {});
    }
    if (!body?.data) throw new NoetlError('internal', `the gateway at ${this.url.origin} answered GraphQL without data`);
    return body.data;
  }

  private async post(path: string, body: unknown, what: string): Promise<unknown> {
    const answer = await this.send(path, body);
    if (answer.status < 200 || answer.status >= 300) throw this.failure(answer, what);
    if (answer.json === undefined || answer.json === null || typeof answer.json !== 'object') {
      throw new NoetlError('internal', `the gateway at ${this.url.origin} answered ${what} with something that is not a JSON object`);
    }
    return answer.json;
  }

  private send(path: string, body: unknown): Promise<HttpAnswer> {
    const headers: Record<string, string> = {};
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    return sendRequest({ method: 'POST', url: joinUrl(this.url, path), peer: 'the gateway', headers, json: body });
  }

  private failure(answer: HttpAnswer, what: string): NoetlError {
    const code = knownCode((answer.json as { code?: unknown } | undefined)?.code) ?? codeOfStatus(answer.status);
    const message = `gateway ${what} failed (HTTP ${answer.status}): ${answerMessage(answer)}`;
    return new NoetlError(code, message, code === 'unauthenticated' && what !== 'login' ? { hint: { command: 'auth login', text: 'to start a new session' } } : {});
  }
}

/** Common GraphQL error codes (Apollo, mercurius) in our taxonomy. */
function graphqlCode(code: string): ErrorCode {
  switch (code) {
    case 'UNAUTHENTICATED':
      return 'unauthenticated';
    case 'FORBIDDEN':
      return 'forbidden';
    case 'NOT_FOUND':
      return 'not_found';
    case 'BAD_USER_INPUT':
    case 'GRAPHQL_VALIDATION_FAILED':
      return 'invalid';
    default:
      return 'unavailable';
  }
}
