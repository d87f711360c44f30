import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, testCliEnv } from '../helpers/cli.js';
import { startTokenServer } from './fixtures.js';

const EXEC = '518508477736551392';

describe('noetl keychain resolve', () => {
  let env: NodeJS.ProcessEnv;
  let dir: string;
  let server: Awaited<ReturnType<typeof startTokenServer>>;
  let pb: string;
  let catalogId: string;

  beforeAll(async () => {
    server = await startTokenServer();
    env = await testCliEnv();
    dir = mkdtempSync(join(tmpdir(), 'noetl-resolve-'));
    pb = join(dir, 'pb.yaml');
    writeFileSync(
      pb,
      `apiVersion: noetl.io/v2
kind: Playbook
metadata:
  path: orchestration/parent
workload:
  client_id: my-client
  client_secret: "{{ payload.secret }}"
  token_url: ${server.url}
keychain:
  - name: creds
    kind: static
    scope: shared
    map:
      client_id: "{{ client_id }}"
      client_secret: "{{ client_secret }}"
  - name: service_token
    kind: oauth2
    scope: global
    endpoint: "{{ workload.token_url }}"
    data:
      client_id: "{{ keychain.creds.client_id }}"
      client_secret: "{{ keychain.creds.client_secret }}"
`,
    );
    writeFileSync(join(dir, 'workload.json'), JSON.stringify({ client_secret: 'wl-secret-value' }));
  });
  afterAll(async () => {
    await server.stop();
  });

  it('needs the playbook registered (exit 3), and checks ids up front (exit 2)', async () => {
    const unregistered = await runCli(['keychain', 'resolve', pb, '--execution-id', EXEC, '--dry-run'], { env });
    expect(unregistered.code).toBe(3);
    expect(unregistered.stderr).toContain('noetl catalog register');
    const bad = await runCli(['keychain', 'resolve', pb, '--execution-id', '12x'], { env });
    expect(bad.code).toBe(2);
    catalogId = (await runCli(['catalog', 'register', pb], { env })).stdout.trim();
  });

  it('prints the plan on --dry-run and contacts nothing', async () => {
    const plan = await runCli(['keychain', 'resolve', pb, '--execution-id', EXEC, '--dry-run'], { env });
    expect(plan.code).toBe(0);
    expect(plan.stdout.split('\n')).toEqual([
      '#\tNAME\tKIND\tSCOPE\tCACHE KEY\tWOULD FETCH\tDEPENDS ON',
      `1\tcreds\tstatic\tshared\tcreds:${catalogId}:shared:${EXEC}\tvalues from the playbook (client_id, client_secret)\t-`,
      `2\tservice_token\toauth2\tglobal\tservice_token:${catalogId}:global\tPOST ${server.url}\tcreds`,
      '',
    ]);
    expect(server.requests()).toBe(0);
    expect(JSON.parse((await runCli(['keychain', 'ls', '-o', 'json'], { env })).stdout)).toEqual([]);
  });

  it('refuses to send an unrendered workload template, then resolves with --workload, never printing values', async () => {
    const unrendered = await runCli(['keychain', 'resolve', pb, '--execution-id', EXEC], { env });
    expect(unrendered.code).toBe(1);
    expect(unrendered.stderr).toContain("error: KEYCHAIN: Entry 'creds' (static): map.client_secret still holds a template after rendering");
    expect(unrendered.stderr).toContain("error: KEYCHAIN: Entry 'service_token' (oauth2): not resolved: it depends on 'creds', which failed");
    expect(server.requests()).toBe(0);

    const ok = await runCli(['keychain', 'resolve', pb, '--execution-id', EXEC, '--workload', `@${join(dir, 'workload.json')}`, '-o', 'json'], { env });
    expect(ok.code).toBe(0);
    const result = JSON.parse(ok.stdout);
    expect(result.entries.map((e: { name: string; status: string }) => [e.name, e.status])).toEqual([
      ['creds', 'fetched'],
      ['service_token', 'fetched'],
    ]);
    expect(ok.stdout).not.toContain('wl-secret-value');
    expect(ok.stdout).not.toContain('token-1');
    expect(result.keychain).toBeUndefined();
    expect(server.requests()).toBe(1);
    expect(new URLSearchParams(server.bodies()[0]).get('client_secret')).toBe('wl-secret-value');

    const again = await runCli(['keychain', 'resolve', pb, '--execution-id', EXEC, '--workload', `@${join(dir, 'workload.json')}`, '-o', 'json'], { env });
    expect(JSON.parse(again.stdout).entries.map((e: { status: string }) => e.status)).toEqual(['cached', 'cached']);
    expect(server.requests()).toBe(1);
  });
});
