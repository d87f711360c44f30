import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { decodeMasterKey, type KeySet } from '../../src/core/envelope.js';
import { registerPlaybook } from '../../src/backends/local/catalog.js';
import { openStore } from '../../src/backends/sql/connect.js';
import { setKeychainEntry } from '../../src/backends/local/keychain-entries.js';
import { setBearerToken } from '../../src/backends/local/vars.js';
import { runCli, testCliEnv } from '../helpers/cli.js';

const EXEC = '507431238966182398';
const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0eyJzdWIiOiJ1c2VyIn0.c2lnbmF0dXJl';
const PLAYBOOK = `apiVersion: noetl.io/v2
kind: Playbook
metadata:
  name: demo
  path: tests/render/cli
workload:
  api_auth: my_creds
workflow:
  - step: get_token
    tool:
      kind: python
      auth:
        credential: '{{ workload.api_auth }}'
        bearer: true
        variable: my_token
  - step: use_token
    tool:
      kind: http
      headers:
        Authorization: "Bearer {{ my_token }}"
        X-Api-Key: "{{ keychain.openai_token.api_key }}"
        X-Old: "{{ keychain.stale.access_token }}"
        X-Upper: "{{ keychain.openai_token.api_key | upper }}"
        X-Replace: "key={{ keychain.openai_token.api_key | replace('sk-', '') }}"
        X-Reverse: "{{ my_token | reverse }}"
        X-Chars: "{{ my_token | list | join(' ') }}"
        X-Truncate: "{{ my_token | truncate(20) }}"
        X-Branch: "{% if keychain.openai_token.api_key.startswith('sk-live') %}live{% else %}test{% endif %}"
`;

/** Seeds the CLI's database through the library: the catalog entry, keychain entries and a bearer token. */
async function seed(env: NodeJS.ProcessEnv): Promise<void> {
  const store = env.NOETL_DATA_DIR
    ? await openStore({ backend: 'embedded', dataDir: env.NOETL_DATA_DIR, schema: 'noetl', source: 'test' })
    : await openStore({ backend: 'postgres', connectionString: env.NOETL_DATABASE_URL, schema: env.NOETL_SCHEMA!, source: 'test' });
  const keys: KeySet = { current: { provider: 'local', kid: 'env:NOETL_ENCRYPTION_KEY', kv: 'v1', key: decodeMasterKey(env.NOETL_ENCRYPTION_KEY!, 'key') }, previous: [] };
  try {
    const { catalog_id: catalogId } = await registerPlaybook(store, PLAYBOOK);
    await setKeychainEntry(store, keys, { name: 'openai_token', ref: { scope: 'global', catalogId }, data: { api_key: 'sk-live-0123456789abcdef' } });
    await setKeychainEntry(store, keys, { name: 'stale', ref: { scope: 'global', catalogId }, data: { access_token: 'x' }, expiresAt: new Date(Date.now() - 60_000) });
    await setBearerToken(store, { executionId: EXEC, name: 'my_token', token: TOKEN, sourceStep: 'get_token' });
  } finally {
    await store.close();
  }
}

describe('noetl render (built CLI)', () => {
  let env: NodeJS.ProcessEnv;
  let file: string;
  beforeAll(async () => {
    env = await testCliEnv();
    await seed(env);
    file = join(mkdtempSync(join(tmpdir(), 'noetl-render-cli-')), 'demo.yaml');
    writeFileSync(file, PLAYBOOK);
  });

  it('renders masked, lists the expired entry and exits 1', { timeout: 120_000 }, async () => {
    const r = await runCli(['render', file, '--execution-id', EXEC], { env });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toContain('use_token\ttool.headers.Authorization\t20:25\tBearer ****\n');
    expect(r.stdout).toContain('use_token\ttool.headers.X-Api-Key\t21:21\t****\n');
    expect(r.stdout).toMatch(/22:\d+\tuse_token\tkeychain\.stale\.access_token\tkeychain entry expired\t/);
    // Whatever a template derives from a secret prints masked, with no character of it.
    for (const [field, shown] of [['X-Upper', '****'], ['X-Replace', 'key=****'], ['X-Reverse', '****'], ['X-Chars', '****'], ['X-Truncate', '****'], ['X-Branch', '****']]) {
      expect(r.stdout).toMatch(new RegExp(`\\ttool\\.headers\\.${field}\\t\\d+:\\d+\\t${shown.replace(/\*/g, '\\*')}\\n`));
    }
    for (const secret of [TOKEN, 'sk-live-0123456789abcdef']) {
      for (const form of [secret, secret.toUpperCase(), [...secret].reverse().join(''), [...secret].join(' ')]) {
        for (let i = 0; i + 4 <= form.length; i++) expect(r.stdout).not.toContain(form.slice(i, i + 4));
      }
    }

    const json = await runCli(['render', file, '--execution-id', EXEC, '--reveal', '-o', 'json'], { env });
    const report = JSON.parse(json.stdout);
    expect(report.execution_id).toBe(EXEC);
    expect(report.catalog_id).toMatch(/^\d+$/);
    expect(report.steps[1].templates[0].rendered).toBe(`Bearer ${TOKEN}`);
    expect(report.steps[1].templates.find((t: { field: string }) => t.field === 'tool.headers.X-Branch').rendered).toBe('live');
    expect(report.unresolved).toHaveLength(1);

    // 64-bit ids survive -o yaml digit for digit (a JS number would print 507431238966182400).
    const yaml = await runCli(['render', file, '--execution-id', EXEC, '-o', 'yaml'], { env });
    expect(yaml.code, yaml.stderr).toBe(1);
    expect(yaml.stdout).toMatch(new RegExp(`^execution_id: (${EXEC}|"${EXEC}"|'${EXEC}')$`, 'm'));
    expect(yaml.stdout).toMatch(new RegExp(`^catalog_id: (${report.catalog_id}|"${report.catalog_id}"|'${report.catalog_id}')$`, 'm'));
    const parsed = parse(yaml.stdout, { intAsBigInt: true }) as { execution_id: unknown; catalog_id: unknown };
    expect(String(parsed.execution_id)).toBe(EXEC);
    expect(String(parsed.catalog_id)).toBe(report.catalog_id);
  });

  it('exits 0 for a step whose references all resolve; 2 on a bad id; 3 on an unknown step', { timeout: 120_000 }, async () => {
    const ok = await runCli(['render', file, '--execution-id', EXEC, '--step', 'get_token'], { env });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toBe('STEP\tFIELD\tLINE\tRENDERED\nget_token\ttool.auth.credential\t13:22\tmy_creds\n');
    const bad = await runCli(['render', file, '--execution-id', 'abc'], { env });
    expect(bad.code, bad.stderr).toBe(2);
    const step = await runCli(['render', file, '--execution-id', EXEC, '--step', 'use_tokn'], { env });
    expect(step.code, step.stderr).toBe(3);
    expect(step.stderr).toContain("did you mean 'use_token'?");
    const broken = join(dirname(file), 'broken.yaml');
    writeFileSync(broken, 'kind: Playbook\nworkflow:\n  - step: a\n     tool: http\n');
    const invalid = await runCli(['render', broken, '--execution-id', EXEC], { env });
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toBe(`error: ${broken}:4:10: not valid YAML: bad indentation of a mapping entry: run \`noetl lint ${broken}\` to see every problem\n`);
  });
});
