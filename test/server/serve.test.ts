// Smoke tests of the built `noetl serve` in a subprocess: it listens on 127.0.0.1 (a port the
// system picks), answers with a token made by `noetl token create`, and on SIGTERM stops
// and exits 0. Flags are checked before anything is opened. (Behaviour is tested in-process
// in server.db.test.ts.)
import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { noetlBin, repoRoot, runCli, testCliEnv } from '../helpers/cli.js';

const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

interface Served {
  child: ChildProcess;
  url: string;
  stderr(): string;
  exited: Promise<number | null>;
}

/** Starts `noetl serve ARGS` and resolves once it logs the address it listens on. */
function serve(args: string[], env: NodeJS.ProcessEnv): Promise<Served> {
  const child = spawn(process.execPath, [noetlBin, 'serve', ...args], { env, cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${stderr}`)), 60_000);
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      const listening = stderr.split('\n').find((line) => line.includes('"msg":"listening"'));
      if (listening) {
        clearTimeout(timer);
        resolve({ child, url: JSON.parse(listening).url, stderr: () => stderr, exited });
      }
    });
    void exited.then((code) => reject(new Error(`serve exited ${code} before listening: ${stderr}`)));
  });
}

describe('noetl serve (subprocess)', () => {
  it('listens on 127.0.0.1, answers /health and an authenticated /metrics, and exits 0 on SIGTERM', async () => {
    const env = await testCliEnv();
    const created = await runCli(['-o', 'json', 'token', 'create', 'smoke', '--role', 'reader', '--ttl', '1h'], { env });
    expect(created.code, created.stderr).toBe(0);
    const { token } = JSON.parse(created.stdout);

    const server = await serve(['--listen', '127.0.0.1:0'], env);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
    const metrics = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('noetl_http_requests_total{method="GET",route="/health",status="200"} 1');

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    const [warning, ...logLines] = server.stderr().trim().split('\n');
    expect(warning).toMatch(/^warning: serving the embedded database .*: other noetl commands on it wait until this server stops/);
    expect(logLines.map((line) => JSON.parse(line).msg)).toEqual(['listening', 'request', 'request', 'request', 'shutting down', 'stopped']);
    expect(server.stderr()).not.toContain(token.slice(6));

    const listed = await runCli(['-o', 'json', 'token', 'ls'], { env });
    expect(JSON.parse(listed.stdout)[0]).toMatchObject({ name: 'smoke', role: 'reader' });
    expect(JSON.parse(listed.stdout)[0].last_used_at).not.toBeNull();
    const removed = await runCli(['token', 'rm', 'smoke'], { env });
    expect(removed.code).toBe(2);
    expect(removed.stderr).toBe("error: removing token 'smoke' needs confirmation: add --yes (stdin is not a terminal)\n");
  }, 120_000);

  it('refuses --insecure-no-auth on an address other machines reach, and half a TLS pair, before opening anything', async () => {
    const env = { ...(await testCliEnv()), NOETL_DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', NOETL_DATA_DIR: '' };
    const open = await runCli(['serve', '--listen', '0.0.0.0:0', '--insecure-no-auth'], { env });
    expect(open.code).toBe(2);
    expect(open.stderr).toMatch(/^error: --insecure-no-auth is only allowed on a loopback address/);
    const half = await runCli(['serve', '--tls-cert', 'cert.pem'], { env });
    expect(half.code).toBe(2);
    expect(half.stderr).toBe('error: --tls-cert and --tls-key go together: give both, or neither\n');
    const listen = await runCli(['serve', '--listen', 'nowhere'], { env });
    expect(listen.code).toBe(2);
    expect(listen.stderr).toMatch(/^error: --listen nowhere is not HOST:PORT/);
  }, 60_000);

  it('warns loudly with --insecure-no-auth on loopback, and serves without a token', async () => {
    const env = await testCliEnv();
    const server = await serve(['--listen', '127.0.0.1:0', '--insecure-no-auth'], env);
    expect(server.stderr()).toContain('warning: AUTHENTICATION IS OFF (--insecure-no-auth)');
    expect((await fetch(`${server.url}/metrics`)).status).toBe(200);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(server.stderr()).toContain('"actor":"anonymous"');
  }, 120_000);
});
