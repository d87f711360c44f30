import { describe, expect, it } from 'vitest';
import { maskString } from '../../src/core/mask.js';
import { checkVariableName, checkVariableType, executionIdOf, mergeVariables, shownVariableValue, variableJson } from '../../src/core/variables.js';

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';

describe('core/variables', () => {
  it('names a template can say, types, ids', () => {
    expect(checkVariableName('_ok_Name2')).toBe('_ok_Name2');
    for (const bad of ['', '1a', 'a-b', 'a b', 'none', 'in', 'x'.repeat(129)]) expect(() => checkVariableName(bad)).toThrow(/is not valid/);
    expect(checkVariableType('bearer_token')).toBe('bearer_token');
    expect(() => checkVariableType('secret')).toThrow(/unknown variable type 'secret'/);
    expect(executionIdOf('007')).toBe('7');
    expect(() => executionIdOf('9223372036854775808')).toThrow(/not a 64-bit number/);
  });

  it('stores only values that read back as JSON', () => {
    expect(variableJson('a', { n: 1 })).toBe('{"n":1}');
    expect(variableJson('a', null)).toBe('null');
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    for (const bad of [undefined, () => 1, cycle, 1n]) expect(() => variableJson('a', bad)).toThrow(/variable 'a'/);
  });

  it('masks a secret variable whole and secret-looking parts of others, keeping the structure', () => {
    expect(shownVariableValue({ name: 'tok', type: 'bearer_token', value: JWT }, false)).toBe(maskString(JWT));
    expect(shownVariableValue({ name: 'oauth_token', type: 'computed', value: { a: 'x' } }, false)).toEqual({ a: maskString('x') });
    const value = { status: 'ok', client_secret: 'abc', nested: { jwt: JWT, n: 1 } };
    const shown = shownVariableValue({ name: 'result', type: 'step_result', value }, false);
    expect(shown).toEqual({ status: 'ok', client_secret: maskString('abc'), nested: { jwt: maskString(JWT), n: 1 } });
    expect(shownVariableValue({ name: 'result', type: 'step_result', value }, true)).toBe(value);
  });

  it('merges variables into a context without overriding its keys or the base keys', () => {
    const { context, conflicts } = mergeVariables({ step: 1 }, [
      { name: 'a', type: 'computed', value: 2, sourceStep: null },
      { name: 'workload', type: 'computed', value: 3, sourceStep: 's' },
      { name: 'step', type: 'step_result', value: 4, sourceStep: 'step' },
    ]);
    expect(context).toEqual({ step: 1, a: 2 });
    expect(conflicts.map((c) => c.name)).toEqual(['workload', 'step']);
  });
});
