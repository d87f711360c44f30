import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { maskString } from '../../src/core/mask.js';
import { runGet } from '../../src/cli/vars/get.js';
import { runRm } from '../../src/cli/vars/rm.js';
import { runSet } from '../../src/cli/vars/set.js';
import { runShow } from '../../src/cli/vars/show.js';
import { runStats } from '../../src/cli/vars/stats.js';
import type { NoetlClient } from '../../src/api/index.js';
import type { Store } from '../../src/backends/sql/store.js';
import { getAllVariables, getVariableRecord, setBearerToken, setStepResult, setVariable } from '../../src/backends/local/vars.js';
import { testClient, type TestClient } from '../helpers/client.js';
import { fails } from '../helpers/errors.js';
import { memIO } from '../helpers/memio.js';
import { fakeClock } from '../helpers/store.js';

const EXEC = '507431238966182398';
const JWT = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.' + 'eyJzdWIiOiJ1c2VyX2lkIn0'.repeat(30) + '.c2lnbmF0dXJl';

describe('vars commands (run functions)', () => {
  let t: TestClient;
  let store: Store;
  let client: NoetlClient;
  const clock = fakeClock(new Date('2026-03-01T10:00:00Z'));
  const info: string[] = [];
  beforeEach(async () => {
    clock.set(new Date('2026-03-01T10:00:00Z'));
    info.length = 0;
    t = await testClient({ clock });
    ({ store, client } = t);
  });
  afterEach(async () => t.close());

  async function seed() {
    await setBearerToken(store, { executionId: EXEC, name: 'amadeus_token', token: JWT, sourceStep: 'get_amadeus_token' });
    clock.advance(1000);
    await setStepResult(store, { executionId: EXEC, stepName: 'fetch_data', result: { status: 'success', data: [1, 2], client_secret: 'abcdefghijklmnopqrstuvwxyz' } });
    clock.advance(1000);
    await setVariable(store, { executionId: EXEC, name: 'computed_value', value: { total: 1500 }, type: 'computed', sourceStep: 'calc' });
  }

  describe('show', () => {
    it('lists name, type, source step, updated and a masked preview', async () => {
      await seed();
      clock.advance(2 * 3600_000);
      const m = memIO();
      await runShow({ executionId: EXEC, reveal: false, output: 'table' }, { io: m.io, client, now: clock() });
      const lines = m.stdout().trim().split('\n');
      expect(lines[0]).toBe('NAME\tTYPE\tSOURCE STEP\tUPDATED\tVALUE');
      expect(lines[1]).toBe(`amadeus_token\tbearer_token\tget_amadeus_token\t2h ago\t${maskString(JWT)}`);
      expect(lines[2]).toContain('fetch_data\tstep_result\tfetch_data\t2h ago\t{');
      expect(lines[2]).toContain('"data":[1,2]');
      expect(lines[3]).toContain('computed_value\tcomputed\tcalc');
      expect(m.stdout()).not.toContain(JWT);
      expect(m.stdout()).not.toContain('abcdefghijklmnopqrstuvwxyz');
    });

    it('-o json keeps the 64-bit id exact and masks unless --reveal', async () => {
      await seed();
      const m = memIO();
      await runShow({ executionId: EXEC, reveal: false, output: 'json' }, { io: m.io, client, now: clock() });
      expect(m.stdout()).toContain(`"execution_id": "${EXEC}"`);
      const rows = JSON.parse(m.stdout());
      expect(rows[0]).toMatchObject({ name: 'amadeus_token', value: maskString(JWT), created_at: '2026-03-01T10:00:00.000Z' });
      expect(rows[1].value).toEqual({ status: 'success', data: [1, 2], client_secret: maskString('abcdefghijklmnopqrstuvwxyz') });
      expect(rows.map((r: { name: string }) => r.name)).toEqual(['amadeus_token', 'fetch_data', 'computed_value']);
      const r = memIO();
      await runShow({ executionId: EXEC, reveal: true, output: 'json' }, { io: r.io, client, now: clock() });
      expect(JSON.parse(r.stdout())[0].value).toBe(JWT);
      const y = memIO();
      await runShow({ executionId: EXEC, reveal: false, output: 'yaml' }, { io: y.io, client, now: clock() });
      expect(y.stdout()).toContain(`execution_id: "${EXEC}"`);
    });

    it('filters by --type; an unknown type exits 2', async () => {
      await seed();
      const m = memIO();
      await runShow({ executionId: EXEC, type: 'computed', reveal: false, output: 'json' }, { io: m.io, client, now: clock() });
      expect(JSON.parse(m.stdout()).map((r: { name: string }) => r.name)).toEqual(['computed_value']);
      expect((await fails(runShow({ executionId: EXEC, type: 'secret', reveal: false, output: 'table' }, { io: m.io, client, now: clock() }))).code).toBe('invalid');
    });

    it('an empty list when there are none or none of the type (exit 0, as every listing), 2 on a bad id', async () => {
      const empty = memIO();
      await runShow({ executionId: EXEC, reveal: false, output: 'json' }, { io: empty.io, client, now: clock() });
      expect(JSON.parse(empty.stdout())).toEqual([]);
      await seed();
      const none = memIO();
      await runShow({ executionId: EXEC, type: 'user_defined', reveal: false, output: 'table' }, { io: none.io, client, now: clock() });
      expect(none.stdout()).toBe('NAME\tTYPE\tSOURCE STEP\tUPDATED\tVALUE\n');
      const m = memIO();
      expect((await fails(runShow({ executionId: 'abc', reveal: false, output: 'table' }, { io: m.io, client, now: clock() }))).code).toBe('invalid');
      expect((await fails(runShow({ executionId: '9223372036854775808', reveal: false, output: 'table' }, { io: m.io, client, now: clock() }))).code).toBe('invalid');
      expect(m.stdout()).toBe('');
    });
  });

  describe('get', () => {
    it('shows a record; masks a bearer token unless --reveal', async () => {
      await seed();
      const m = memIO();
      await runGet({ executionId: EXEC, name: 'amadeus_token', reveal: false, output: 'json' }, { io: m.io, client });
      expect(JSON.parse(m.stdout())).toMatchObject({ execution_id: EXEC, name: 'amadeus_token', type: 'bearer_token', source_step: 'get_amadeus_token', value: maskString(JWT) });
      const t = memIO();
      await runGet({ executionId: EXEC, name: 'computed_value', reveal: false, output: 'table' }, { io: t.io, client });
      expect(t.stdout()).toContain('value\t{"total":1500}');
    });

    it('--field a.b picks a field; --reveal prints the raw value with no trailing newline', async () => {
      await seed();
      const m = memIO();
      await runGet({ executionId: EXEC, name: 'fetch_data', field: 'status', reveal: false, output: 'table' }, { io: m.io, client });
      expect(m.stdout()).toBe('success\n');
      const d = memIO();
      await runGet({ executionId: EXEC, name: 'fetch_data', field: 'data.1', reveal: false, output: 'json' }, { io: d.io, client });
      expect(JSON.parse(d.stdout())).toBe(2);
      const s = memIO();
      await runGet({ executionId: EXEC, name: 'fetch_data', field: 'client_secret', reveal: false, output: 'table' }, { io: s.io, client });
      expect(s.stdout()).toBe(`${maskString('abcdefghijklmnopqrstuvwxyz')}\n`);
      const b = memIO();
      await runGet({ executionId: EXEC, name: 'amadeus_token', field: '.', reveal: false, output: 'table' }, { io: b.io, client });
      expect(b.stdout()).toBe(`${maskString(JWT)}\n`);
      const r = memIO();
      await runGet({ executionId: EXEC, name: 'amadeus_token', field: '.', reveal: true, output: 'table' }, { io: r.io, client });
      expect(r.stdout()).toBe(JWT);
    });

    it('exits 3 for a missing variable (with a suggestion) or field', async () => {
      await seed();
      const m = memIO();
      const err = await fails(runGet({ executionId: EXEC, name: 'amadeus_tokn', reveal: false, output: 'table' }, { io: m.io, client }));
      expect(err.code).toBe('not_found');
      expect(err.message).toContain("did you mean 'amadeus_token'?");
      const f = await fails(runGet({ executionId: EXEC, name: 'fetch_data', field: 'nope.x', reveal: false, output: 'table' }, { io: m.io, client }));
      expect(f.code).toBe('not_found');
      expect(f.message).toMatch(/fields: .*client_secret/);
      expect((await fails(runGet({ executionId: '12x', name: 'a', reveal: false, output: 'table' }, { io: m.io, client }))).code).toBe('invalid');
    });
  });

  describe('set', () => {
    it('stores JSON literals, @file and stdin values', async () => {
      const m = memIO();
      await runSet({ executionId: EXEC, name: 'a', value: '{"x": [1, 2]}', raw: false, output: 'table' }, { io: m.io, client, info: (s) => info.push(s) });
      expect(await getVariableRecord(store, EXEC, 'a')).toMatchObject({ value: { x: [1, 2] }, type: 'user_defined' });
      expect(info).toEqual([`set user_defined variable 'a' for execution ${EXEC}`]);
      const dir = mkdtempSync(join(tmpdir(), 'noetl-vars-'));
      writeFileSync(join(dir, 'v.json'), '{"total": 1500}\n');
      await runSet({ executionId: EXEC, name: 'b', value: `@${join(dir, 'v.json')}`, raw: false, type: 'computed', sourceStep: 'calc', output: 'table' }, { io: m.io, client, info: () => {} });
      expect(await getVariableRecord(store, EXEC, 'b')).toMatchObject({ value: { total: 1500 }, type: 'computed', sourceStep: 'calc' });
      const stdin = memIO({ stdin: 'plain token text\n' });
      await runSet({ executionId: EXEC, name: 'c', value: '-', raw: true, output: 'table' }, { io: stdin.io, client, info: () => {} });
      expect(await getVariableRecord(store, EXEC, 'c')).toMatchObject({ value: 'plain token text' });
      await runSet({ executionId: EXEC, name: 'd', value: 'eu-west-1', raw: true, output: 'table' }, { io: m.io, client, info: () => {} });
      await runSet({ executionId: EXEC, name: 'e', value: '{"child": 507431238966182399}', raw: false, output: 'table' }, { io: m.io, client, info: () => {} });
      expect((await getVariableRecord(store, EXEC, 'e'))!.value).toEqual({ child: '507431238966182399' });
      expect((await getVariableRecord(store, EXEC, 'd'))!.value).toBe('eu-west-1');
    });

    it('-o json prints the stored variable (wire type, snake_case), its value masked', async () => {
      const m = memIO();
      const dir = mkdtempSync(join(tmpdir(), 'noetl-vars-'));
      writeFileSync(join(dir, 'secret.json'), JSON.stringify({ client_secret: 'abcdefghijklmnopqrstuvwxyz', region: 'eu' }));
      await runSet({ executionId: EXEC, name: 'cfg', value: `@${join(dir, 'secret.json')}`, raw: false, sourceStep: 'calc', output: 'json' }, { io: m.io, client, info: () => {} });
      expect(JSON.parse(m.stdout())).toEqual({
        execution_id: EXEC,
        name: 'cfg',
        type: 'user_defined',
        source_step: 'calc',
        created_at: '2026-03-01T10:00:00.000Z',
        updated_at: '2026-03-01T10:00:00.000Z',
        value: { client_secret: maskString('abcdefghijklmnopqrstuvwxyz'), region: 'eu' },
      });
    });

    it('refuses non-JSON without --raw, bad types, bad ids and secret-looking literals, writing nothing', async () => {
      const m = memIO();
      const deps = { io: m.io, client, info: () => {} };
      const notJson = await fails(runSet({ executionId: EXEC, name: 'a', value: 'eu-west-1', raw: false, output: 'table' }, deps));
      expect(notJson.code).toBe('invalid');
      expect(notJson.message).toContain('--raw');
      expect((await fails(runSet({ executionId: EXEC, name: 'a', value: '1', raw: false, type: 'bearer_token', output: 'table' }, deps))).code).toBe('invalid');
      expect((await fails(runSet({ executionId: 'x1', name: 'a', value: '1', raw: false, output: 'table' }, deps))).code).toBe('invalid');
      const secret = await fails(runSet({ executionId: EXEC, name: 'a', value: JSON.stringify(JWT), raw: false, output: 'table' }, deps));
      expect(secret.code).toBe('invalid');
      const rawSecret = await fails(runSet({ executionId: EXEC, name: 'a', value: JWT, raw: true, output: 'table' }, deps));
      expect(rawSecret.code).toBe('invalid');
      expect(rawSecret.message).not.toContain(JWT.slice(0, 20));
      expect((await fails(runSet({ executionId: EXEC, name: 'a', value: '@/nonexistent/x.json', raw: false, output: 'table' }, deps))).code).toBe('not_found');
      expect(await getAllVariables(store, EXEC)).toEqual({});
    });
  });

  describe('rm', () => {
    it('deletes one variable with --yes (asks on a TTY, refuses off one); exits 3 when it does not exist', async () => {
      await seed();
      const m = memIO();
      const refused = await fails(runRm({ executionId: EXEC, name: 'computed_value', yes: false, output: 'table' }, { io: m.io, client, info: () => {} }));
      expect([refused.code, refused.message]).toEqual(['invalid', `deleting variable 'computed_value' of execution ${EXEC} needs confirmation: add --yes (stdin is not a terminal)`]);
      const declined = memIO({ tty: true });
      const no = await fails(runRm({ executionId: EXEC, name: 'computed_value', yes: false, output: 'table' }, { io: declined.io, client, info: () => {}, confirm: async () => false }));
      expect([no.code, no.message]).toEqual(['unavailable', 'no variable deleted: not confirmed']);
      expect(Object.keys(await getAllVariables(store, EXEC))).toHaveLength(3);
      const j = memIO();
      await runRm({ executionId: EXEC, name: 'computed_value', yes: true, output: 'json' }, { io: j.io, client, info: (s) => info.push(s) });
      expect(JSON.parse(j.stdout())).toEqual({ execution_id: EXEC, name: 'computed_value', removed: 1 });
      expect(Object.keys(await getAllVariables(store, EXEC)).sort()).toEqual(['amadeus_token', 'fetch_data']);
      expect((await fails(runRm({ executionId: EXEC, name: 'computed_value', yes: true, output: 'table' }, { io: m.io, client, info: () => {} }))).code).toBe('not_found');
      expect((await fails(runRm({ executionId: 'all', yes: true, output: 'table' }, { io: m.io, client, info: () => {} }))).code).toBe('invalid');
    });

    it('the whole execution needs --yes off a TTY, asks on a TTY', async () => {
      await seed();
      const piped = memIO();
      const refused = await fails(runRm({ executionId: EXEC, yes: false, output: 'table' }, { io: piped.io, client, info: () => {} }));
      expect(refused.code).toBe('invalid');
      expect(refused.message).toContain('--yes');
      const no = memIO({ tty: true, stdin: 'n\n' });
      expect((await fails(runRm({ executionId: EXEC, yes: false, output: 'table' }, { io: no.io, client, info: () => {} }))).code).toBe('unavailable');
      expect(no.stderr()).toContain(`Delete all 3 variables of execution ${EXEC}? [y/N]`);
      expect(Object.keys(await getAllVariables(store, EXEC))).toHaveLength(3);
      const yes = memIO({ tty: true, stdin: 'y\n' });
      await runRm({ executionId: EXEC, yes: false, output: 'table' }, { io: yes.io, client, info: () => {} });
      expect(await getAllVariables(store, EXEC)).toEqual({});
      await seed();
      const j = memIO();
      await runRm({ executionId: EXEC, yes: true, output: 'json' }, { io: j.io, client, info: () => {} });
      expect(JSON.parse(j.stdout())).toEqual({ execution_id: EXEC, name: null, removed: 3 });
      expect((await fails(runRm({ executionId: EXEC, yes: true, output: 'table' }, { io: j.io, client, info: () => {} }))).code).toBe('not_found');
    });
  });

  describe('stats', () => {
    it('reports counts by type, executions, and bearer tokens without their values', async () => {
      await seed();
      await setBearerToken(store, { executionId: '1', name: 'other_token', token: JWT });
      const m = memIO();
      await runStats({ output: 'json' }, { io: m.io, client });
      const report = JSON.parse(m.stdout());
      expect(report.total_variables).toBe(4);
      expect(report.total_executions).toBe(2);
      expect(report.by_type).toContainEqual({ type: 'bearer_token', count: 2, executions: 2 });
      expect(report.recent_bearer_tokens.map((b: { execution_id: string }) => b.execution_id).sort()).toEqual(['1', EXEC]);
      expect(m.stdout()).not.toContain(JWT);
      const t = memIO();
      await runStats({ output: 'table' }, { io: t.io, client });
      expect(t.stdout()).toContain('bearer_token\t2\t2');
      expect(t.stdout()).toContain('total\t4\t2');
      expect(t.stdout()).toContain(`${EXEC}\tamadeus_token\tget_amadeus_token`);
    });
  });
});
