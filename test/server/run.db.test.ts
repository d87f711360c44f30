// `noetl serve` in-process on a real socket: HTTPS with --tls-cert/--tls-key, and a shutdown
// that finishes the requests in flight before it returns.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { localTokenAuthority } from '../../src/backends/local/tokens.js';
import { runServe } from '../../src/cli/serve/run.js';
import { buildServer } from '../../src/server/app.js';
import { testClient, type TestClient } from '../helpers/client.js';
import { memIO } from '../helpers/memio.js';

let opened: TestClient | undefined;

afterEach(async () => {
  await opened?.close();
  opened = undefined;
});

/** A self-signed certificate for 127.0.0.1 (openssl), in a fresh directory. */
function selfSigned(): { cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'noetl-tls-'));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], {
    stdio: 'ignore',
  });
  return { cert, key };
}

function getTls(url: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request(url, { ca }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    })
      .on('error', reject)
      .end();
  });
}

/** Writes a raw request on a kept-alive socket and resolves with the response once its body has arrived. */
function ask(socket: Socket, text: string): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    const onData = (chunk: Buffer) => {
      got += chunk.toString('utf8');
      const [head, body = ''] = got.split('\r\n\r\n');
      const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 'NaN');
      if (body.length >= length) {
        socket.off('data', onData);
        resolve(got);
      }
    };
    socket.on('data', onData);
    socket.write(text);
  });
}

async function until<T>(check: () => T | undefined): Promise<T> {
  for (let i = 0; i < 500; i++) {
    const value = check();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('timed out');
}

describe('noetl serve in-process', () => {
  it('serves HTTPS with --tls-cert/--tls-key and stops when told', async () => {
    const t = (opened = await testClient());
    const { cert, key } = selfSigned();
    const m = memIO();
    let stop!: (reason: string) => void;
    const stopped = new Promise<string>((resolve) => (stop = resolve));
    const warnings: string[] = [];
    const running = runServe(
      { listen: '127.0.0.1:0', tlsCert: cert, tlsKey: key, bodyLimit: 1024, requestTimeoutMs: 5000, logLevel: 'info', insecureNoAuth: false },
      { io: m.io, open: async () => ({ client: t.client, tokens: localTokenAuthority({ store: t.store }) }), warn: (w) => warnings.push(w), stopped },
    );
    const url = await until(() => m.stderr().split('\n').map((l) => (l.includes('"listening"') ? (JSON.parse(l).url as string) : undefined)).find(Boolean));
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const { readFileSync } = await import('node:fs');
    const res = await getTls(`${url}/health`, readFileSync(cert, 'utf8'));
    expect(res).toEqual({ status: 200, body: '{"status":"ok"}' });
    expect(warnings.filter((w) => !w.startsWith('serving the embedded database'))).toEqual([]);
    stop('SIGTERM');
    await running;
    expect(m.stderr()).toContain('"msg":"stopped"');
  }, 60_000);

  it('a missing certificate file is not_found, before the database is opened', async () => {
    let openedDb = false;
    const err = await runServe(
      { listen: '127.0.0.1:0', tlsCert: '/nonexistent/cert.pem', tlsKey: '/nonexistent/key.pem', bodyLimit: 1024, requestTimeoutMs: 5000, logLevel: 'info', insecureNoAuth: false },
      { io: memIO().io, open: async () => ((openedDb = true), Promise.reject(new Error('opened'))), warn: () => undefined, stopped: new Promise(() => undefined) },
    ).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'not_found' });
    expect(openedDb).toBe(false);
  });

  it('on close, finishes the requests in flight and refuses new ones', async () => {
    const t = (opened = await testClient());
    const app = buildServer({ client: t.client, tokens: localTokenAuthority({ store: t.store }) });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const inFlight = new Promise<void>((resolve) => (started = resolve));
    app.get('/test/slow', { config: { access: 'public' } }, async () => {
      started();
      await held;
      return { done: true };
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as import('node:net').AddressInfo;
    const kept = connect(port, '127.0.0.1');
    expect(await ask(kept, 'GET /health HTTP/1.1\r\nHost: x\r\n\r\n')).toMatch(/^HTTP\/1\.1 200 /);
    const slow = fetch(`http://127.0.0.1:${port}/test/slow`);
    await inFlight;
    const closing = app.close();
    let closed = false;
    void closing.then(() => (closed = true));
    await new Promise((r) => setTimeout(r, 100));
    expect(closed).toBe(false);
    // An idle keep-alive connection is closed by the shutdown, not left to serve more.
    await until(() => (kept.destroyed || kept.readableEnded ? true : undefined));
    release();
    const res = await slow;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ done: true });
    await closing;
    await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
  }, 60_000);

  it('a client too slow to send its request is cut off, and the server keeps serving', async () => {
    const t = (opened = await testClient());
    const app = buildServer({ client: t.client, tokens: localTokenAuthority({ store: t.store }), requestTimeoutMs: 500 });
    await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const { port } = app.server.address() as import('node:net').AddressInfo;
      const slow = connect(port, '127.0.0.1');
      let answer = '';
      slow.on('data', (d: Buffer) => (answer += d.toString('utf8')));
      const started = Date.now();
      slow.write('POST /health HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{');
      let closedAfter = -1;
      slow.on('close', () => (closedAfter = Date.now() - started));
      await until(() => (closedAfter >= 0 ? true : undefined));
      expect(closedAfter).toBeLessThan(5000);
      expect(answer === '' || /^HTTP\/1\.1 408 /.test(answer)).toBe(true);
      expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    } finally {
      await app.close();
    }
  }, 60_000);
});
