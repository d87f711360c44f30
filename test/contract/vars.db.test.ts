import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { VarsApi } from '../../src/api/vars.js';
import { maskString } from '../../src/core/mask.js';
import { testClient, type TestClient } from '../helpers/client.js';
import { fails } from '../helpers/errors.js';
import { fakeClock } from '../helpers/store.js';

const EXEC = '507431238966182398';
const OTHER = '9223372036854775807';
const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXZhbHVl';
const SECRET = 'abcdefghijklmnopqrstuvwxyz';

/** Every VarsApi operation through a NoetlClient, on this run's backend. */
describe('contract: vars', () => {
  let t: TestClient;
  let vars: VarsApi;
  const clock = fakeClock(new Date('2026-03-01T10:00:00Z'));
  beforeEach(async () => {
    clock.set(new Date('2026-03-01T10:00:00Z'));
    t = await testClient({ clock });
    vars = t.client.vars;
  });
  afterEach(async () => t.close());

  it('set returns the wire record, 64-bit ids exact, the value masked', async () => {
    const set = await vars.set({ execution_id: EXEC, name: 'api_token', value: JWT, type: 'bearer_token', source_step: 'login' });
    expect(set).toEqual({
      execution_id: EXEC,
      name: 'api_token',
      type: 'bearer_token',
      source_step: 'login',
      created_at: '2026-03-01T10:00:00.000Z',
      updated_at: '2026-03-01T10:00:00.000Z',
      value: maskString(JWT),
    });
    const plain = await vars.set({ execution_id: OTHER, name: 'ids', value: { child: '507431238966182399', n: 1 } });
    expect(plain).toMatchObject({ execution_id: OTHER, type: 'computed', source_step: null, value: { child: '507431238966182399', n: 1 } });
  });

  it('get masks unless reveal: no character of a secret leaves the layer', async () => {
    await vars.set({ execution_id: EXEC, name: 'api_token', value: JWT, type: 'bearer_token' });
    await vars.set({ execution_id: EXEC, name: 'result', value: { status: 'ok', client_secret: SECRET, nested: { jwt: JWT } }, type: 'step_result' });
    const masked = await vars.get(EXEC, 'api_token');
    expect(masked.value).toBe(maskString(JWT));
    const maskedResult = JSON.stringify(await vars.get(EXEC, 'result'));
    expect(maskedResult).not.toContain(SECRET);
    expect(maskedResult).not.toContain(JWT.slice(0, 12));
    expect(maskedResult).toContain('"status":"ok"');
    expect((await vars.get(EXEC, 'api_token', { reveal: true })).value).toBe(JWT);
    expect((await vars.get(EXEC, 'result', { reveal: true })).value).toEqual({ status: 'ok', client_secret: SECRET, nested: { jwt: JWT } });
  });

  it('list: oldest first, by type, masked unless reveal; [] for an execution with none', async () => {
    await vars.set({ execution_id: EXEC, name: 'a', value: 1, type: 'user_defined' });
    clock.advance(1000);
    await vars.set({ execution_id: EXEC, name: 'oauth_token', value: SECRET });
    await vars.set({ execution_id: OTHER, name: 'c', value: 3 });
    const listed = await vars.list(EXEC);
    expect(listed.map((v) => [v.name, v.execution_id])).toEqual([
      ['a', EXEC],
      ['oauth_token', EXEC],
    ]);
    expect(JSON.stringify(listed)).not.toContain(SECRET);
    expect((await vars.list(EXEC, { reveal: true }))[1].value).toBe(SECRET);
    expect((await vars.list(EXEC, { type: 'user_defined' })).map((v) => v.name)).toEqual(['a']);
    expect(await vars.list('1')).toEqual([]);
  });

  it('remove one (not_found when absent) and all of an execution, leaving others', async () => {
    await vars.set({ execution_id: EXEC, name: 'a', value: 1 });
    await vars.set({ execution_id: EXEC, name: 'b', value: 2 });
    await vars.set({ execution_id: OTHER, name: 'a', value: 1 });
    expect(await vars.remove(EXEC, 'a')).toEqual({ execution_id: EXEC, name: 'a', removed: 1 });
    const again = await fails(vars.remove(EXEC, 'a'));
    expect(again.code).toBe('not_found');
    expect(await vars.removeAll(EXEC)).toEqual({ execution_id: EXEC, name: null, removed: 1 });
    expect(await vars.removeAll(EXEC)).toEqual({ execution_id: EXEC, name: null, removed: 0 });
    expect((await vars.list(OTHER)).map((v) => v.name)).toEqual(['a']);
  });

  it('not_found says the closest name as data, never a flag', async () => {
    const none = await fails(vars.get(EXEC, 'x'));
    expect([none.code, none.message]).toEqual(['not_found', `no variables for execution ${EXEC}`]);
    await vars.set({ execution_id: EXEC, name: 'amadeus_token', value: JWT, type: 'bearer_token' });
    const near = await fails(vars.get(EXEC, 'amadeus_tokn'));
    expect(near.code).toBe('not_found');
    expect(near.message).toBe(`no variable 'amadeus_tokn' in execution ${EXEC} (did you mean 'amadeus_token'?)`);
    expect(near.hint).toEqual({ command: `vars show ${EXEC}` });
  });

  it('invalid: ids, names, types, values; nothing written', async () => {
    // Each call made when its turn comes: a remote backend's rejection must not wait unhandled behind another's round trip.
    const cases = [
      [() => vars.set({ execution_id: 'abc', name: 'x', value: 1 }), 'invalid-id'],
      [() => vars.set({ execution_id: '9223372036854775808', name: 'x', value: 1 }), 'invalid-id'],
      [() => vars.set({ execution_id: EXEC, name: 'not valid', value: 1 }), 'invalid-name'],
      [() => vars.set({ execution_id: EXEC, name: 'true', value: 1 }), 'invalid-name'],
      [() => vars.set({ execution_id: EXEC, name: 'x', value: 1, type: 'secret' as never }), 'invalid-type'],
      [() => vars.set({ execution_id: EXEC, name: 'x', value: 1, type: 'bearer_token' }), 'invalid-value'],
      [() => vars.set({ execution_id: EXEC, name: 'x', value: undefined }), 'invalid-value'],
      [() => vars.list(EXEC, { type: 'nope' as never }), 'invalid-type'],
      [() => vars.get('x', 'a'), 'invalid-id'],
      [() => vars.removeAll('-1'), 'invalid-id'],
    ] as const;
    for (const [call, reason] of cases) {
      const err = await fails(call());
      expect([err.code, err.reason]).toEqual(['invalid', reason]);
      expect(err.message).not.toMatch(/--/);
    }
    expect(await vars.list(EXEC)).toEqual([]);
  });

  it('stats: by type, executions, recent bearer tokens without values', async () => {
    await vars.set({ execution_id: EXEC, name: 't1', value: JWT, type: 'bearer_token', source_step: 's' });
    clock.advance(1000);
    await vars.set({ execution_id: OTHER, name: 't2', value: JWT, type: 'bearer_token' });
    await vars.set({ execution_id: EXEC, name: 'step1', value: {}, type: 'step_result' });
    const stats = await vars.stats();
    expect(stats).toEqual({
      total_variables: 3,
      total_executions: 2,
      by_type: [
        { type: 'bearer_token', count: 2, executions: 2 },
        { type: 'step_result', count: 1, executions: 1 },
      ],
      recent_bearer_tokens: [
        { execution_id: OTHER, name: 't2', source_step: null, created_at: '2026-03-01T10:00:01.000Z' },
        { execution_id: EXEC, name: 't1', source_step: 's', created_at: '2026-03-01T10:00:00.000Z' },
      ],
    });
    expect(JSON.stringify(stats)).not.toContain(JWT.slice(0, 12));
  });
});
