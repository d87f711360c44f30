// Seed 002's "Example: Complete Flow", run as written with curl and jq (the kubectl IP lookup
// aside, and the gateway on a port the system picks instead of 8090) against the built
// `noetl gateway` in a subprocess, with a real JWKS issuer standing in for your-tenant.auth0.com
// and a NoETL server stand-in. Also: SIGTERM stops the gateway with exit 0.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { noetlBin, repoRoot, testCliEnv } from '../helpers/cli.js';
import { missingShared, sharedPath } from '../helpers/corpus.js';
import { AUDIENCE, EXECUTION_ID, startIssuer, startNoetlStandIn } from './fixtures.js';

const SEEDS = sharedPath('seeds');
const seedFile = () => join(SEEDS, readdirSync(SEEDS).find((f) => f.startsWith('002_'))!);
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** The seed's shell example: from the login step to the status poll. */
function completeFlow(): string {
  const text = readFileSync(seedFile(), 'utf8');
  const start = text.indexOf('# 2. Login with Auth0 token');
  const end = text.indexOf('| jq .', start) + '| jq .'.length;
  expect(start).toBeGreaterThan(0);
  return text.slice(start, end);
}

function startGateway(args: string[], env: NodeJS.ProcessEnv): Promise<{ url: string; child: ChildProcess; exited: Promise<number | null>; stderr(): string }> {
  const child = spawn(process.execPath, [noetlBin, 'gateway', ...args], { env, cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start: ${stderr}`)), 60_000);
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      const listening = stderr.split('\n').find((line) => line.includes('"msg":"listening"'));
      if (listening) {
        clearTimeout(timer);
        resolve({ url: JSON.parse(listening).url, child, exited, stderr: () => stderr });
      }
    });
    void exited.then((code) => reject(new Error(`gateway exited ${code} before listening: ${stderr}`)));
  });
}

const noTools = ['curl', 'jq'].find((tool) => !['/usr/bin', '/bin', '/usr/local/bin'].some((dir) => existsSync(join(dir, tool))));

describe.skipIf(missingShared(SEEDS) ?? noTools)('seed 002 Complete Flow (curl, jq, noetl gateway subprocess)', () => {
  it('logs in, executes regression_test/hello_world and reads its status', async () => {
    const [issuer, noetl] = await Promise.all([startIssuer({ issuer: 'https://your-tenant.auth0.com/' }), startNoetlStandIn()]);
    try {
      const env = await testCliEnv();
      const gateway = await startGateway(
        ['--listen', '127.0.0.1:0', '--auth0-domain', 'your-tenant.auth0.com', '--jwks-url', issuer.jwksUrl, '--auth0-audience', AUDIENCE, '--noetl-server', noetl.url, '--default-role', 'developer'],
        env,
      );
      const port = new URL(gateway.url).port;
      const script = completeFlow().replaceAll('$GATEWAY_IP:8090', `$GATEWAY_IP:${port}`);
      const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', script], {
        env: { PATH: process.env.PATH, GATEWAY_IP: '127.0.0.1', AUTH0_TOKEN: await issuer.token({}, { expiresIn: 600 }) },
      });
      expect(stdout.startsWith(`Execution ID: ${EXECUTION_ID}\n`), stdout).toBe(true);
      const status = JSON.parse(stdout.slice(stdout.indexOf('\n') + 1));
      expect(status).toEqual({ data: { execution: { id: EXECUTION_ID, status: 'completed', result: { greeting: 'hello' } } } });
      expect(noetl.executed).toEqual([{ path: 'regression_test/hello_world', workload: {}, resource_kind: 'playbook' }]);

      gateway.child.kill('SIGTERM');
      expect(await gateway.exited).toBe(0);
      expect(gateway.stderr()).not.toContain('noetl-session-');
    } finally {
      await Promise.all([issuer.stop(), noetl.stop()]);
    }
  }, 120_000);
});
