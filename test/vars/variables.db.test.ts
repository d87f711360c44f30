import { NoetlError } from '../../src/core/errors.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  cleanupExecution,
  countVariables,
  deleteVariable,
  extendContextWithVariables,
  getAllVariables,
  getVariable,
  getVariableRecord,
  listVariables,
  setBearerToken,
  setBearerTokenFromResult,
  setStepResult,
  setVariable,
} from '../../src/backends/local/vars.js';
import { variableStats } from '../../src/backends/sql/variables.js';
import type { Store } from '../../src/backends/sql/store.js';
import { fakeClock, testStore } from '../helpers/store.js';

const EXEC = '507431238966182398';
const OTHER = '507431238966182399';

describe('execution variables', () => {
  let store: Store;
  const clock = fakeClock(new Date('2026-03-01T10:00:00Z'));
  beforeEach(async () => {
    clock.set(new Date('2026-03-01T10:00:00Z'));
    store = await testStore({ clock });
  });
  afterEach(async () => store.close());

  it('sets and gets a computed variable, keeping the 64-bit id exact', async () => {
    const v = await setVariable(store, { executionId: EXEC, name: 'computed_value', value: { total: 1500, count: 30 }, type: 'computed', sourceStep: 'calculate_metrics' });
    expect(v).toMatchObject({ executionId: EXEC, name: 'computed_value', type: 'computed', sourceStep: 'calculate_metrics' });
    expect(v.createdAt.toISOString()).toBe('2026-03-01T10:00:00.000Z');
    expect(await getVariable(store, EXEC, 'computed_value')).toEqual({ total: 1500, count: 30 });
    expect(await getVariable(store, OTHER, 'computed_value')).toBeUndefined();
    expect(await getVariable(store, EXEC, 'missing')).toBeUndefined();
  });

  it('replaces a value, keeps created_at and moves updated_at', async () => {
    await setVariable(store, { executionId: EXEC, name: 'x', value: 1 });
    clock.advance(60_000);
    const v = await setVariable(store, { executionId: EXEC, name: 'x', value: 'two', type: 'user_defined' });
    expect(v.value).toBe('two');
    expect(v.type).toBe('user_defined');
    expect(v.createdAt.toISOString()).toBe('2026-03-01T10:00:00.000Z');
    expect(v.updatedAt.toISOString()).toBe('2026-03-01T10:01:00.000Z');
  });

  it('stores JSON values of every shape, a JSON null included', async () => {
    for (const [name, value] of [['s', 'text'], ['n', 12.5], ['b', false], ['a', [1, 'x']], ['nul', null], ['o', { nested: { deep: true } }]] as const) {
      await setVariable(store, { executionId: EXEC, name, value });
      expect(await getVariableRecord(store, EXEC, name)).toMatchObject({ value });
    }
  });

  it('reads 64-bit integers inside values exactly (a step result written by the server)', async () => {
    await store.query(
      `INSERT INTO execution_variable (execution_id, variable_name, variable_type, variable_value) VALUES ($1, 'child', 'step_result', '{"execution_id": 507431238966182399, "rows": 3}'::jsonb)`,
      [EXEC],
    );
    expect(await getVariable(store, EXEC, 'child')).toEqual({ execution_id: '507431238966182399', rows: 3 });
  });

  it('getAllVariables returns every variable of one execution only', async () => {
    await setBearerToken(store, { executionId: EXEC, name: 'oauth_token', token: 'eyJabc', sourceStep: 'get_token' });
    await setStepResult(store, { executionId: EXEC, stepName: 'fetch_data', result: { data: [1, 2], status: 'success' } });
    await setVariable(store, { executionId: OTHER, name: 'leak', value: 1 });
    expect(await getAllVariables(store, EXEC)).toEqual({ oauth_token: 'eyJabc', fetch_data: { data: [1, 2], status: 'success' } });
    const rec = await getVariableRecord(store, EXEC, 'fetch_data');
    expect(rec).toMatchObject({ type: 'step_result', sourceStep: 'fetch_data' });
    expect(await getVariableRecord(store, EXEC, 'oauth_token')).toMatchObject({ type: 'bearer_token', sourceStep: 'get_token' });
  });

  it('lists oldest first and filters by type', async () => {
    await setVariable(store, { executionId: EXEC, name: 'b', value: 1 });
    clock.advance(1000);
    await setBearerToken(store, { executionId: EXEC, name: 'a', token: 'tok' });
    expect((await listVariables(store, EXEC)).map((v) => v.name)).toEqual(['b', 'a']);
    expect((await listVariables(store, EXEC, { type: 'bearer_token' })).map((v) => v.name)).toEqual(['a']);
  });

  it('the bearer pattern stores a string or access_token with its source step', async () => {
    const v = await setBearerTokenFromResult(store, { executionId: EXEC, variable: 'amadeus_token', sourceStep: 'get_amadeus_token', result: { access_token: 'tok-1', expires_in: 1799 } });
    expect(v).toMatchObject({ type: 'bearer_token', value: 'tok-1', sourceStep: 'get_amadeus_token' });
    await setBearerTokenFromResult(store, { executionId: EXEC, variable: 'jwt_token', sourceStep: 'generate_jwt', result: 'eyJ.x.y' });
    expect(await getVariable(store, EXEC, 'jwt_token')).toBe('eyJ.x.y');
  });

  it('the bearer pattern refuses null and error objects and stores nothing', async () => {
    for (const result of [null, { error: 'boom', status: 'failed' }, { token_type: 'Bearer' }]) {
      const err = await setBearerTokenFromResult(store, { executionId: EXEC, variable: 'my_token', sourceStep: 'get_token', result }).catch((e) => e);
      expect(err).toBeInstanceOf(NoetlError);
      expect(err.reason).toBe('bearer-result');
      expect(err.message).toMatch(/access_token/);
    }
    expect(await getAllVariables(store, EXEC)).toEqual({});
  });

  it('refuses a name templates could not reference, with exit 2, and stores nothing', async () => {
    for (const name of ['', '1st', 'a-b', 'a.b', 'a b', 'é', 'true', 'in', 'x'.repeat(129)]) {
      const err = await setVariable(store, { executionId: EXEC, name, value: 1 }).catch((e) => e);
      expect(err, name).toBeInstanceOf(NoetlError);
      expect([err.reason, err.code]).toEqual(['invalid-name', 'invalid']);
    }
    await expect(setStepResult(store, { executionId: EXEC, stepName: 'fetch-data', result: {} })).rejects.toMatchObject({ reason: 'invalid-name' });
    expect(await getAllVariables(store, EXEC)).toEqual({});
    await setVariable(store, { executionId: EXEC, name: `_${'x'.repeat(127)}`, value: 1 });
  });

  it('refuses a non-numeric execution id and an unknown type', async () => {
    await expect(setVariable(store, { executionId: 'abc', name: 'x', value: 1 })).rejects.toMatchObject({ reason: 'invalid-id' });
    await expect(listVariables(store, '99999999999999999999')).rejects.toMatchObject({ reason: 'invalid-id' });
    await expect(setVariable(store, { executionId: EXEC, name: 'x', value: 1, type: 'secret' as never })).rejects.toMatchObject({ reason: 'invalid-type' });
  });

  it('deletes one variable and cleans up an execution without touching others', async () => {
    await setVariable(store, { executionId: EXEC, name: 'a', value: 1 });
    await setVariable(store, { executionId: EXEC, name: 'b', value: 2 });
    await setVariable(store, { executionId: OTHER, name: 'a', value: 3 });
    expect([await countVariables(store, EXEC), await countVariables(store, OTHER)]).toEqual([2, 1]);
    expect(await deleteVariable(store, EXEC, 'a')).toBe(true);
    expect(await deleteVariable(store, EXEC, 'a')).toBe(false);
    expect(await cleanupExecution(store, EXEC)).toBe(1);
    expect(await getAllVariables(store, EXEC)).toEqual({});
    expect(await getAllVariables(store, OTHER)).toEqual({ a: 3 });
  });

  it('extends a template context; a variable named like a base key never overrides it', async () => {
    await setBearerToken(store, { executionId: EXEC, name: 'oauth_token', token: 'tok' });
    await setVariable(store, { executionId: EXEC, name: 'workload', value: { evil: true }, sourceStep: 's1' });
    await setVariable(store, { executionId: EXEC, name: 'keychain', value: 'x' });
    await setVariable(store, { executionId: EXEC, name: 'custom_base', value: 'x' });
    const base = { workload: { pg_auth: 'pg_local' }, spec: {}, job: { id: 1 }, custom_base: 'kept' };
    const { context, conflicts } = await extendContextWithVariables(store, base, EXEC);
    expect(context).toEqual({ workload: { pg_auth: 'pg_local' }, spec: {}, job: { id: 1 }, custom_base: 'kept', oauth_token: 'tok' });
    expect(conflicts.map((c) => c.name).sort()).toEqual(['custom_base', 'keychain', 'workload']);
    expect(conflicts.find((c) => c.name === 'workload')).toMatchObject({ type: 'computed', sourceStep: 's1' });
    expect(base).not.toHaveProperty('oauth_token');
  });

  it('stats: counts by type, distinct executions, and the latest bearer tokens', async () => {
    await setBearerToken(store, { executionId: EXEC, name: 't1', token: 'a', sourceStep: 's' });
    clock.advance(1000);
    await setBearerToken(store, { executionId: OTHER, name: 't2', token: 'b' });
    await setStepResult(store, { executionId: EXEC, stepName: 'step1', result: {} });
    const stats = await variableStats(store);
    expect(stats.byType).toEqual([
      { type: 'bearer_token', count: 2, executions: 2 },
      { type: 'step_result', count: 1, executions: 1 },
    ]);
    expect(stats.totalVariables).toBe(3);
    expect(stats.totalExecutions).toBe(2);
    expect(stats.recentBearerTokens.map((b) => [b.executionId, b.name])).toEqual([[OTHER, 't2'], [EXEC, 't1']]);
    expect(JSON.stringify(stats)).not.toContain('"a"');
  });
});
