/**
 * A stand-in NoETL server on 127.0.0.1:0 for the gateway to forward to: it records
 * POST /api/execute and answers GET /api/executions/{id}/status from `status`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface NoetlStandIn {
  url: string;
  executed: Record<string, unknown>[];
  /** What the status route answers next. */
  status: Record<string, unknown>;
  close(): Promise<void>;
}

/** An execution id beyond 2^53, sent as a bare JSON number as upstream's Python server does. */
export const EXECUTION_ID = '612345678901234567';

export async function startNoetlStandIn(): Promise<NoetlStandIn> {
  const state: Omit<NoetlStandIn, 'url' | 'close'> = { executed: [], status: { completed: true, failed: false, current_step: 'end', result: { greeting: 'hello' } } };
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk));
    request.on('end', () => {
      response.setHeader('content-type', 'application/json');
      if (request.method === 'POST' && request.url === '/api/execute') {
        state.executed.push(JSON.parse(body) as Record<string, unknown>);
        response.end(`{"execution_id": ${EXECUTION_ID}, "status": "running"}`);
      } else if (request.method === 'GET' && request.url === `/api/executions/${EXECUTION_ID}/status`) {
        response.end(JSON.stringify({ execution_id: EXECUTION_ID, ...state.status }));
      } else {
        response.statusCode = 404;
        response.end('{"detail": "not found"}');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(state, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
