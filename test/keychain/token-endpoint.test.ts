/**
 * Requests that carry credentials (token endpoints, secret managers) against real servers on
 * 127.0.0.1: no redirect to another origin, no plain http:// beyond loopback unless allowed,
 * a bounded response read while it arrives, and absurd lifetimes and timeouts refused.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { gcpProvider } from '../../src/backends/local/renew/providers/gcp.js';
import { azureProvider } from '../../src/backends/local/renew/providers/azure.js';
import { requestToken } from '../../src/backends/local/renew/renew.js';

interface Received {
  method: string;
  path: string;
  body: string;
}

/** A server on 127.0.0.1 that records what it receives and answers with `handler`. */
async function startServer(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void) {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      received.push({ method: req.method ?? '', path: req.url ?? '', body });
      handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    received,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const token = (res: ServerResponse, extra: Record<string, unknown> = {}) => {
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ access_token: 'fresh-token', token_type: 'Bearer', expires_in: 300, ...extra }));
};

const SECRET = 'client-secret-never-elsewhere';
const servers: { stop(): Promise<void> }[] = [];
async function server(handler: Parameters<typeof startServer>[0]) {
  const s = await startServer(handler);
  servers.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

describe('redirects', () => {
  it('never re-sends the client secret to another origin on a 307; same-origin redirects are followed', async () => {
    const elsewhere = await server((_req, res) => token(res));
    const redirector = await server((req, res) => {
      if (req.url === '/moved') {
        res.writeHead(308, { Location: '/oauth/token' });
        res.end();
      } else if (req.url === '/oauth/token') {
        token(res);
      } else {
        res.writeHead(307, { Location: `${elsewhere.base}/steal` });
        res.end();
      }
    });
    const config = { endpoint: `${redirector.base}/token`, data: { client_id: 'id', client_secret: SECRET } };
    await expect(requestToken('svc', config)).rejects.toThrow(
      `KEYCHAIN: Failed to renew 'svc': ${redirector.base}/token redirected (HTTP 307) to another origin, ${elsewhere.base}: not followed, credentials are never sent to another origin; if that is the right endpoint, configure it directly`,
    );
    expect(elsewhere.received).toEqual([]);

    // Within the origin, the request is sent again as it was (308 keeps method and body).
    const followed = await requestToken('svc', { ...config, endpoint: `${redirector.base}/moved` });
    expect(followed.tokenData.access_token).toBe('fresh-token');
    expect(redirector.received.slice(-2)).toEqual([
      { method: 'POST', path: '/moved', body: `client_id=id&client_secret=${SECRET}` },
      { method: 'POST', path: '/oauth/token', body: `client_id=id&client_secret=${SECRET}` },
    ]);
  });

  it('secret managers do not follow a redirect to another origin either', async () => {
    const elsewhere = await server((_req, res) => token(res));
    const redirector = await server((_req, res) => {
      res.writeHead(302, { Location: `${elsewhere.base}/steal` });
      res.end();
    });
    const gcp = gcpProvider(redirector.base);
    await expect(gcp.fetchSecret({ path: 'projects/p/secrets/s', auth: { access_token: 'ya29.bearer' }, timeoutMs: 5000 })).rejects.toThrow(
      /^gcp: .* redirected \(HTTP 302\) to another origin/,
    );
    expect(elsewhere.received).toEqual([]);
  });
});

describe('plain http://', () => {
  it('is refused beyond loopback before anything is sent, unless allow_insecure_http; loopback is fine', async () => {
    const config = { endpoint: 'http://auth.noetl-test.invalid/oauth/token', data: { client_secret: SECRET } };
    await expect(requestToken('svc', config, { timeoutMs: 2000 })).rejects.toThrow(
      "KEYCHAIN: Failed to renew 'svc': endpoint http://auth.noetl-test.invalid/oauth/token is plain http:// (credentials would cross the network in the clear): use https://, or set allow_insecure_http: true",
    );
    // Allowed explicitly: it is tried (and .invalid never resolves).
    const allowed = await requestToken('svc', { ...config, allow_insecure_http: true }, { timeoutMs: 2000 }).catch((e: Error) => e);
    expect((allowed as Error).message).toMatch(/cannot reach|no response/);

    const local = await server((_req, res) => token(res));
    for (const host of ['127.0.0.1', 'localhost', '[::ffff:127.0.0.1]']) {
      const endpoint = `${local.base.replace('127.0.0.1', host)}/token`;
      expect((await requestToken('svc', { endpoint })).tokenData.access_token).toBe('fresh-token');
    }
    // A Key Vault URL comes from a playbook: plain http to another host is refused there too.
    await expect(
      azureProvider().fetchSecret({ path: 'http://vault.noetl-test.invalid/secrets/db', auth: { access_token: 'bearer' }, timeoutMs: 2000 }),
    ).rejects.toThrow(/^azure: endpoint http:\/\/vault\.noetl-test\.invalid\/secrets\/db is plain http:\/\//);
  });
});

describe('response size', () => {
  it('stops reading past 1 MiB, declared or not, and says so', async () => {
    // Streams without end and without Content-Length: only a limit checked while reading stops it.
    const endless = await server((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"access_token":"');
      const chunk = 'a'.repeat(64 * 1024);
      const pump = () => {
        while (res.write(chunk)) {
          /* until the socket is full */
        }
        res.once('drain', pump);
      };
      res.on('error', () => undefined);
      pump();
    });
    const started = Date.now();
    await expect(requestToken('big', { endpoint: `${endless.base}/token` }, { timeoutMs: 20_000 })).rejects.toThrow(
      `KEYCHAIN: Failed to renew 'big': the response from ${endless.base}/token is larger than 1048576 bytes: refused, nothing stored`,
    );
    expect(Date.now() - started).toBeLessThan(10_000);

    const declared = await server((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(300 * 1024 * 1024) });
      res.write('{');
    });
    await expect(requestToken('big', { endpoint: `${declared.base}/token` })).rejects.toThrow(/is larger than 1048576 bytes/);

    // Just under the limit is fine.
    const large = await server((_req, res) => token(res, { padding: 'p'.repeat(1000 * 1024) }));
    expect((await requestToken('big', { endpoint: `${large.base}/token` })).tokenData.access_token).toBe('fresh-token');
  });
});

describe('lifetimes and timeouts', () => {
  it('refuses an expires_in of 1e20, -5, 0 or "soon" with a clear reason; absent or null falls back', async () => {
    let answer: Record<string, unknown> = {};
    const endpoint = (await server((_req, res) => token(res, answer))).base + '/token';
    for (const expiresIn of [1e20, -5, 0, 'soon', '1e20']) {
      answer = { expires_in: expiresIn };
      await expect(requestToken('svc', { endpoint })).rejects.toThrow(
        /^KEYCHAIN: Failed to renew 'svc': response from http:\/\/127\.0\.0\.1:\d+\/token: 'expires_in' is (not a positive number of seconds|more than 315360000 s \(10 years\)); nothing stored$/,
      );
    }
    answer = { expires_in: '3600' };
    expect((await requestToken('svc', { endpoint })).ttlSeconds).toBe(3600);
    answer = { expires_in: null };
    expect((await requestToken('svc', { endpoint })).ttlSeconds).toBeUndefined();
  });

  it('refuses a timeout past 600 s as a renewal error, not a crash', async () => {
    const endpoint = (await server((_req, res) => token(res))).base + '/token';
    await expect(requestToken('svc', { endpoint, timeout_seconds: 4_294_968 })).rejects.toThrow(
      "KEYCHAIN: Failed to renew 'svc': the timeout of the token request must be more than 0 and at most 600 s",
    );
    await expect(gcpProvider(endpoint).fetchSecret({ path: 'projects/p/secrets/s', auth: { access_token: 't' }, timeoutMs: 4_294_968_000 })).rejects.toThrow(
      'gcp: the timeout must be more than 0 and at most 600 s',
    );
  });
});
