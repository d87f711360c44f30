import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { countVariables, getVariable, getVariableRecord, setStepResult, setVariable } from '../../src/backends/local/vars.js';
import type { Store } from '../../src/backends/sql/store.js';
import { testStore } from '../helpers/store.js';

const EXEC = '507431238966182398';

describe('step results: large, deep or odd values never commit and then throw', () => {
  let store: Store;
  beforeEach(async () => {
    store = await testStore();
  });
  afterEach(async () => {
    await store.close();
  });

  it('stores and reads back a step result holding an 8 MB string and a 64-bit id', { timeout: 120_000 }, async () => {
    const body = 'x'.repeat(8 * 1024 * 1024);
    const stored = await setStepResult(store, { executionId: EXEC, stepName: 'fetch', result: { body, id: '518508477736551392' } });
    expect((stored.value as { body: string }).body.length).toBe(body.length);
    const record = await getVariableRecord(store, EXEC, 'fetch');
    expect((record?.value as { body: string }).body).toBe(body);
    expect(((await getVariable(store, EXEC, 'fetch')) as { id: string }).id).toBe('518508477736551392');
  });

  it('refuses, before writing, a value nested 100k deep, a cycle and a BigInt', async () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const cycle: Record<string, unknown> = { a: 1 };
    cycle.self = cycle;
    const cases: [string, unknown, RegExp][] = [
      ['deep', deep, /^variable 'deep' cannot be stored as JSON: it is nested too deeply$/],
      ['nested', JSON.parse('['.repeat(600) + ']'.repeat(600)), /^variable 'nested': nested more than 512 levels deep/],
      ['cycle', cycle, /^variable 'cycle' cannot be stored as JSON: Converting circular structure to JSON/],
      ['big', { n: 1n }, /^variable 'big' cannot be stored as JSON: Do not know how to serialize a BigInt/],
    ];
    for (const [stepName, result, message] of cases) {
      await expect(setStepResult(store, { executionId: EXEC, stepName, result }), stepName).rejects.toThrow(message);
    }
    expect(await countVariables(store, EXEC)).toBe(0);
    // What was there before a refused write is still there.
    await setVariable(store, { executionId: EXEC, name: 'kept', value: { ok: true } });
    await expect(setVariable(store, { executionId: EXEC, name: 'kept', value: deep })).rejects.toThrow(/nested too deeply/);
    expect(await getVariable(store, EXEC, 'kept')).toEqual({ ok: true });
  });
});
