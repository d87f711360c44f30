import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NoetlError } from '../../src/core/errors.js';
import { runRender, type RenderReport } from '../../src/cli/render/index.js';
import type { KeySet } from '../../src/core/envelope.js';
import { getCatalogByPath } from '../../src/backends/sql/catalog.js';
import { registerPlaybook } from '../../src/backends/local/catalog.js';
import { setKeychainEntry } from '../../src/backends/local/keychain-entries.js';
import type { Store } from '../../src/backends/sql/store.js';
import { createLocalClient } from '../../src/backends/local/index.js';
import { setBearerToken, setVariable } from '../../src/backends/local/vars.js';
import { memIO } from '../helpers/memio.js';
import { fakeClock, testStore } from '../helpers/store.js';

const EXEC = '507431238966182398';
const OTHER = '507431238966182399';
const JWT = 'eyJhbGciOiJIUzI1NiJ9.' + 'eyJzdWIiOiJ1In0'.repeat(10) + '.c2lnbmF0dXJl';
const API_KEY = 'sk-live-0123456789abcdefghij';

const PLAYBOOK = `apiVersion: noetl.io/v2
kind: Playbook
metadata:
  name: amadeus
  path: tests/render/amadeus
workload:
  amadeus_api_auth: amadeus_api_credentials
  query: flights to JFK
workflow:
  - step: start
    next:
      - step: get_amadeus_token
  - step: get_amadeus_token
    tool:
      kind: python
      auth:
        credential: '{{ workload.amadeus_api_auth }}'
        bearer: true
        variable: amadeus_token
      code: |
        def main(auth_credential):
            return "x"
    next:
      - step: call_api
  - step: call_api
    tool:
      kind: http
      endpoint: "https://api.example.com/{{ parse_response.endpoint }}"
      headers:
        Authorization: "Bearer {{ amadeus_token }}"
        X-Key: "{{ keychain.openai_token.api_key }}"
        X-Session: "{{ keychain.user_session.access_token }}"
        X-Old: "{{ keychain.old_token.access_token }}"
        X-Missing: "{{ keychain.nope.x }}"
      params:
        q: "{{ workload.query }}"
        total: "{{ computed_value.total }}"
        bad: "{{ computed_value.nope }}"
        typo: "{{ amadeus_tokn }}"
        broken: "{{ workload.query | }}"
`;

function keySet(): KeySet {
  return { current: { provider: 'local', kid: 'env:NOETL_ENCRYPTION_KEY', kv: 'v1', key: randomBytes(32) }, previous: [] };
}

describe('render (run function)', () => {
  let store: Store;
  let file: string;
  const keys = keySet();
  const clock = fakeClock(new Date('2026-03-01T10:00:00Z'));
  const deps = (io: ReturnType<typeof memIO>['io'], warnings: string[] = []) => ({
    io,
    client: createLocalClient({ store, keys: async () => keys }),
    warn: (m: string) => warnings.push(m),
  });

  beforeEach(async () => {
    clock.set(new Date('2026-03-01T10:00:00Z'));
    store = await testStore({ clock });
    file = join(mkdtempSync(join(tmpdir(), 'noetl-render-')), 'amadeus.yaml');
    writeFileSync(file, PLAYBOOK);
    const { catalog_id: catalogId } = await registerPlaybook(store, PLAYBOOK);
    await setKeychainEntry(store, keys, { name: 'old_token', ref: { scope: 'global', catalogId }, data: { access_token: 'old-token-value-0123456789' }, ttlSeconds: 60 });
    clock.advance(120_000);
    await setKeychainEntry(store, keys, { name: 'openai_token', ref: { scope: 'global', catalogId }, data: { api_key: API_KEY } });
    await setKeychainEntry(store, keys, { name: 'user_session', ref: { scope: 'local', catalogId, executionId: OTHER }, data: { access_token: 'session-0123456789abcdef' } });
    await setBearerToken(store, { executionId: EXEC, name: 'amadeus_token', token: JWT, sourceStep: 'get_amadeus_token' });
    await setVariable(store, { executionId: EXEC, name: 'computed_value', value: { total: 1500 }, type: 'computed' });
  });
  afterEach(async () => store.close());

  it('renders with workload, variables and visible keychain entries, masking secrets', async () => {
    const m = memIO();
    const code = await runRender({ file, executionId: EXEC, reveal: false, output: 'json' }, deps(m.io));
    expect(code).toBe(1);
    const report = JSON.parse(m.stdout()) as RenderReport;
    expect(report.execution_id).toBe(EXEC);
    const call = report.steps.find((s) => s.step === 'call_api')!.templates;
    const field = (name: string) => call.find((t) => t.field === name)!;
    expect(field('tool.headers.Authorization').rendered).toBe('Bearer ****');
    expect(field('tool.headers.X-Key').rendered).toBe('****');
    expect(field('tool.params.q').rendered).toBe('flights to JFK');
    expect(field('tool.params.total').rendered).toBe('1500');
    expect(field('tool.headers.Authorization').line).toBe(30);
    const get = report.steps.find((s) => s.step === 'get_amadeus_token')!.templates;
    expect(get[0]).toMatchObject({ field: 'tool.auth.credential', rendered: 'amadeus_api_credentials' });
    expect(m.stdout()).not.toContain(JWT);
    expect(m.stdout()).not.toContain(API_KEY);
  });

  it('lists every unresolved reference with its reason', async () => {
    const m = memIO();
    await runRender({ file, executionId: EXEC, reveal: false, output: 'json' }, deps(m.io));
    const report = JSON.parse(m.stdout()) as RenderReport;
    const reasons = Object.fromEntries(report.unresolved.map((u) => [u.reference, u.reason]));
    expect(reasons).toEqual({
      'parse_response.endpoint': 'no such variable',
      'keychain.user_session.access_token': "entry not visible from this execution's scope",
      'keychain.old_token.access_token': 'keychain entry expired',
      'keychain.nope.x': 'no such keychain entry',
      'computed_value.nope': 'no such field',
      amadeus_tokn: 'no such variable',
      '|': 'template syntax error',
    });
    const broken = report.unresolved.find((u) => u.reason === 'template syntax error')!;
    expect(broken).toMatchObject({ step: 'call_api', field: 'tool.params.broken', line: 40, col: 36 });
    const typo = report.unresolved.find((u) => u.reference === 'amadeus_tokn')!;
    expect(typo.detail).toContain("did you mean 'amadeus_token'?");
    expect(typo).toMatchObject({ step: 'call_api', field: 'tool.params.typo', line: 39 });
    expect(report.unresolved.find((u) => u.reference === 'keychain.user_session.access_token')!.detail).toContain(`local to execution ${OTHER}`);
  });

  it('the same entry resolves from the execution it is local to; --reveal shows secrets', async () => {
    const m = memIO();
    await runRender({ file, executionId: OTHER, step: 'call_api', reveal: true, output: 'json' }, deps(m.io));
    const report = JSON.parse(m.stdout()) as RenderReport;
    expect(report.unresolved.map((u) => u.reference)).not.toContain('keychain.user_session.access_token');
    const call = report.steps[0].templates;
    expect(call.find((t) => t.field === 'tool.headers.X-Session')!.rendered).toBe('session-0123456789abcdef');
    expect(call.find((t) => t.field === 'tool.headers.X-Key')!.rendered).toBe(API_KEY);
    expect(report.unresolved.map((u) => u.reference)).toContain('amadeus_token');
  });

  it('--step renders one step; exit 0 when everything resolves; the table lists fields', async () => {
    const m = memIO();
    const code = await runRender({ file, executionId: EXEC, step: 'get_amadeus_token', reveal: false, output: 'table' }, deps(m.io));
    expect(code).toBe(0);
    expect(m.stdout()).toBe('STEP\tFIELD\tLINE\tRENDERED\nget_amadeus_token\ttool.auth.credential\t17:22\tamadeus_api_credentials\n');
  });

  it('reports a variable named like a base key as a conflict and does not let it override', async () => {
    await setVariable(store, { executionId: EXEC, name: 'workload', value: { query: 'hijacked' } });
    const m = memIO();
    const warnings: string[] = [];
    await runRender({ file, executionId: EXEC, step: 'call_api', reveal: false, output: 'json' }, deps(m.io, warnings));
    const report = JSON.parse(m.stdout()) as RenderReport;
    expect(report.conflicts).toEqual([{ name: 'workload', type: 'computed', source_step: null }]);
    expect(report.steps[0].templates.find((t) => t.field === 'tool.params.q')!.rendered).toBe('flights to JFK');
    expect(warnings[0]).toContain("variable 'workload'");
  });

  it('a shared entry is not shadowed by a catalog entry of the same name', async () => {
    const catalogId = (await getCatalogByPath(store, 'tests/render/amadeus'))!.catalog_id;
    await setKeychainEntry(store, keys, { name: 'openai_token', ref: { scope: 'catalog', catalogId }, data: { api_key: 'from-catalog' } });
    await setKeychainEntry(store, keys, { name: 'openai_token', ref: { scope: 'shared', catalogId, executionId: OTHER, rootExecutionId: OTHER }, data: { api_key: 'from-shared' } });
    const m = memIO();
    await runRender({ file, executionId: EXEC, rootExecution: OTHER, step: 'call_api', reveal: true, output: 'json' }, deps(m.io));
    const report = JSON.parse(m.stdout()) as RenderReport;
    expect(report.steps[0].templates.find((t) => t.field === 'tool.headers.X-Key')!.rendered).toBe('from-shared');
  });

  it('bad input: non-numeric id exits 2, unknown step and missing file exit 3', async () => {
    const m = memIO();
    const fail = async (p: Promise<unknown>) => {
      const err = await p.then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(NoetlError);
      return (err as NoetlError).code;
    };
    expect(await fail(runRender({ file, executionId: 'abc', reveal: false, output: 'table' }, deps(m.io)))).toBe('invalid');
    expect(await fail(runRender({ file, executionId: EXEC, step: 'call_ap', reveal: false, output: 'table' }, deps(m.io)))).toBe('not_found');
    expect(await fail(runRender({ file: `${file}.missing`, executionId: EXEC, reveal: false, output: 'table' }, deps(m.io)))).toBe('not_found');
  });
});
