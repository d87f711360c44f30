// Real peers for gateway tests, on 127.0.0.1 with OS-chosen ports: an Auth0 stand-in that signs
// tokens and serves its JWKS (oauth2-mock-server), and a NoETL server stand-in that records
// POST /api/execute and answers GET /api/executions/{id}/status.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OAuth2Server } from 'oauth2-mock-server';

export const AUDIENCE = 'https://noetl.example.com/api';
/** An execution id beyond 2^53, as the upstream Python server sends it (a bare JSON number). */
export const EXECUTION_ID = '612345678901234567';

export interface TestIssuer {
  server: OAuth2Server;
  /** The issuer URL the tokens carry (`iss`). */
  issuer: string;
  jwksUrl: string;
  token(claims?: Record<string, unknown>, options?: { kid?: string; expiresIn?: number }): Promise<string>;
  stop(): Promise<void>;
}

/** An issuer with one RS256 key `k1`; `issuer` overrides the `iss` it signs (e.g. https://your-tenant.auth0.com/). */
export async function startIssuer(options: { issuer?: string; port?: number } = {}): Promise<TestIssuer> {
  const server = new OAuth2Server();
  await server.issuer.keys.generate('RS256', { kid: 'k1' });
  await server.start(options.port ?? 0, '127.0.0.1');
  const base = `http://127.0.0.1:${server.address().port}`;
  // The mock names itself `localhost`; the issuer is where it listens unless told otherwise.
  server.issuer.url = options.issuer ?? base;
  return {
    server,
    issuer: server.issuer.url!,
    jwksUrl: `${base}/jwks`,
    token: (claims = {}, opts = {}) =>
      server.issuer.buildToken({
        kid: opts.kid,
        expiresIn: opts.expiresIn,
        scopesOrTransform: (_header, payload) => {
          Object.assign(payload, { aud: AUDIENCE, sub: 'auth0|ada', email: 'ada@example.com', name: 'Ada Lovelace' }, claims);
        },
      }),
    stop: () => server.stop(),
  };
}

export interface StandIn {
  url: string;
  executed: Record<string, unknown>[];
  /** The status the next status calls answer. */
  status: Record<string, unknown>;
  stop(): Promise<void>;
}

export async function startNoetlStandIn(port = 0): Promise<StandIn> {
  const executed: Record<string, unknown>[] = [];
  const state: StandIn = { url: '', executed, status: { completed: true, failed: false, current_step: 'end', result: { greeting: 'hello' } }, stop: async () => undefined };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      if (req.method === 'POST' && req.url === '/api/execute') {
        executed.push(JSON.parse(body) as Record<string, unknown>);
        res.end(`{"execution_id": ${EXECUTION_ID}, "status": "running"}`);
        return;
      }
      const match = /^\/api\/executions\/([^/]+)\/status$/.exec(req.url ?? '');
      if (req.method === 'GET' && match && match[1] === EXECUTION_ID) {
        res.end(JSON.stringify({ execution_id: EXECUTION_ID, ...state.status }));
        return;
      }
      res.statusCode = 404;
      res.end('{"detail": "not found"}');
    });
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.stop = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return state;
}
