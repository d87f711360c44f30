import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLint } from '../../src/cli/lint/run.js';
import { credentialReferences } from '../../src/lint/credentials.js';
import { lintDocuments } from '../../src/lint/lint.js';
import { SourceFile } from '../../src/lint/source.js';
import { runCli, testCliEnv } from '../helpers/cli.js';
import { memIO } from '../helpers/memio.js';
import { testClient, type TestClient } from '../helpers/client.js';

const PLAYBOOK = `kind: Playbook
workload:
  pg_auth: pg_local
  gcp_auth: google_oauth
  dynamic_auth: "{{ payload.auth }}"
keychain:
  - name: sa
    kind: credential
    credential: gcs_service_account
workflow:
  - step: a
    tool: { kind: postgres, auth: "{{ workload.pg_auth }}" }
  - step: b
    tool: { kind: http, auth: "{{ gcp_auth }}" }
  - step: c
    tool: { kind: postgres, auth: pg_k8s }
  - step: d
    tool: { kind: http, auth: "{{ workload.dynamic_auth }}" }
  - step: e
    tool:
      kind: duckdb
      auth:
        pg_db: { source: credential, key: "{{ pg_auth }}" }
  - step: f
    tool: { kind: python, code: "{{ keychain.sa.client_email }}" }
`;

describe('--check-credentials', () => {
  let t: TestClient;
  beforeAll(async () => {
    t = await testClient();
    await t.client.credentials.add({ name: 'pg_local', type: 'postgres', data: { db_host: 'localhost', db_password: 'pw' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('finds the credential names auth and credential keychain entries reference (resolving workload keys)', () => {
    const [pb] = lintDocuments(new SourceFile('p.yaml', PLAYBOOK));
    expect(credentialReferences(pb).map((r) => r.name)).toEqual(['pg_local', 'google_oauth', 'pg_k8s', 'pg_local', 'gcs_service_account']);
  });

  it('reports each missing credential at the reference; exit 1', async () => {
    const m = memIO({ stdin: PLAYBOOK });
    const code = await runLint(
      { paths: ['-'], stdinFilename: 'p.yaml', format: 'compact', failLevel: 'error', listRules: false, checkCredentials: true, quiet: false },
      { io: m.io, cwd: process.cwd(), version: '1', client: async () => t.client },
    );
    expect(code).toBe(1);
    expect(m.stdout()).toBe(
      [
        "p.yaml:9:17: error: credential 'gcs_service_account' does not exist in the configured database; add it with `noetl credential add gcs_service_account …` [missing-credential]",
        "p.yaml:14:35: error: credential 'google_oauth' does not exist in the configured database; add it with `noetl credential add google_oauth …` [missing-credential]",
        "p.yaml:16:35: error: credential 'pg_k8s' does not exist in the configured database; add it with `noetl credential add pg_k8s …` [missing-credential]",
        '',
      ].join('\n'),
    );
  });

  it('is quiet when every credential exists', async () => {
    for (const name of ['google_oauth', 'pg_k8s', 'gcs_service_account']) await t.client.credentials.add({ name, type: 'bearer', data: { access_token: 'x' } });
    const m = memIO({ stdin: PLAYBOOK });
    const code = await runLint(
      { paths: ['-'], stdinFilename: 'p.yaml', format: 'compact', failLevel: 'error', listRules: false, checkCredentials: true, quiet: false },
      { io: m.io, cwd: process.cwd(), version: '1', client: async () => t.client },
    );
    expect(m.stdout()).toBe('');
    expect(code).toBe(0);
  });

  it('through the built CLI, against the configured database', async () => {
    const env = await testCliEnv();
    expect((await runCli(['db', 'migrate'], { env })).code).toBe(0);
    const r = await runCli(['lint', '--check-credentials', '--format', 'compact', '-', '--stdin-filename', 'p.yaml'], { env, input: PLAYBOOK });
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n').filter(Boolean).map((l) => l.split(': ')[0])).toEqual(['p.yaml:9:17', 'p.yaml:12:39', 'p.yaml:14:35', 'p.yaml:16:35', 'p.yaml:23:47']);
  });
});
