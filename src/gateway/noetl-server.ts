/**
 * The NoETL server behind the gateway (`--noetl-server URL`): the two routes the gateway calls
 * (API.md "Execution"). Answers are read with 64-bit ids exact; a server that cannot be reached,
 * or answers with an error, becomes one NoetlError that names the route, never a body.
 */
import { randomUUID } from 'node:crypto';
import { NoetlError } from '../core/errors.js';
import { parseJsonExact } from '../core/json.js';

export interface ExecuteRequest {
  path: string;
  workload: Record<string, unknown>;
  resource_kind: string;
}

export interface StartedExecution {
  execution_id: string;
  request_id: string;
  status: string | null;
}

export class NoetlServer {
  private readonly base: string;

  constructor(
    baseUrl: string,
    private readonly timeoutMs = 15_000,
  ) {
    this.base = baseUrl.replace(/\/+$/, '');
  }

  async execute(request: ExecuteRequest): Promise<StartedExecution> {
    const requestId = randomUUID();
    const body = await this.call('POST', '/api/execute', request, requestId);
    const id = body.execution_id ?? body.executionId ?? body.id;
    if (typeof id !== 'string' && typeof id !== 'number') throw new NoetlError('unavailable', 'the NoETL server answered POST /api/execute without an execution_id');
    return { execution_id: String(id), request_id: requestId, status: typeof body.status === 'string' ? body.status : null };
  }

  async status(executionId: string): Promise<Record<string, unknown>> {
    return this.call('GET', `/api/executions/${encodeURIComponent(executionId)}/status`, undefined, randomUUID());
  }

  private async call(method: string, route: string, body: unknown, requestId: string): Promise<Record<string, unknown>> {
    const where = `${method} ${route.replace(/\/api\/executions\/[^/]+/, '/api/executions/{id}')}`;
    let response: Response;
    try {
      response = await fetch(this.base + route, {
        method,
        headers: { accept: 'application/json', 'x-request-id': requestId, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch {
      throw new NoetlError('unavailable', `the NoETL server at ${this.base} did not answer ${where}: check --noetl-server`);
    }
    const text = await response.text();
    if (response.status === 404) throw new NoetlError('not_found', method === 'GET' ? 'no such execution on the NoETL server' : `the NoETL server has no playbook by that name (${where}: 404)`);
    if (!response.ok) throw new NoetlError('unavailable', `the NoETL server answered ${where} with HTTP ${response.status}`);
    let parsed: unknown;
    try {
      parsed = parseJsonExact(text, `the NoETL server's answer to ${where}`);
    } catch {
      throw new NoetlError('unavailable', `the NoETL server answered ${where} with something that is not JSON`);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new NoetlError('unavailable', `the NoETL server answered ${where} with something that is not a JSON object`);
    return parsed as Record<string, unknown>;
  }
}
