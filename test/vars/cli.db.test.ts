import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, testCliEnv } from '../helpers/cli.js';

const EXEC = '507431238966182398';
const JWT = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.' + 'eyJzdWIiOiJ1In0'.repeat(20) + '.c2ln';

describe('noetl vars (built CLI)', () => {
  let env: NodeJS.ProcessEnv;
  let dir: string;
  beforeAll(async () => {
    env = await testCliEnv({ agent: true });
    dir = mkdtempSync(join(tmpdir(), 'noetl-vars-cli-'));
  });

  it('show of an execution with no variables is an empty list (exit 0); a non-numeric id exits 2', async () => {
    const none = await runCli(['vars', 'show', EXEC, '-o', 'json'], { env });
    expect(none.code, none.stderr).toBe(0);
    expect(JSON.parse(none.stdout)).toEqual([]);
    const bad = await runCli(['vars', 'show', 'abc'], { env });
    expect(bad.code, bad.stderr).toBe(2);
    expect(bad.stderr).toContain("execution id 'abc' is not a 64-bit number");
  });

  it('set, show, get and rm round-trip with exact ids, masking and --reveal', { timeout: 180_000 }, async () => {
    let r = await runCli(['vars', 'set', EXEC, 'computed_value', '--value', '{"total": 1500, "count": 30}', '--type', 'computed'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    writeFileSync(join(dir, 'token.txt'), `${JWT}\n`);
    r = await runCli(['vars', 'set', EXEC, 'api_token', '--value', `@${join(dir, 'token.txt')}`, '--raw'], { env });
    expect(r.code, r.stderr).toBe(0);
    r = await runCli(['vars', 'set', EXEC, 'region', '--value', '-', '--raw'], { env, input: 'eu-west-1\n' });
    expect(r.code, r.stderr).toBe(0);

    r = await runCli(['vars', 'show', EXEC], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`api_token\tuser_defined\t-\t`);
    expect(r.stdout).toMatch(/^api_token\tuser_defined\t-\t.*\t\*{4}#[0-9a-f]{8}$/m);
    expect(r.stdout).not.toContain(JWT);

    r = await runCli(['-o', 'json', 'vars', 'show', EXEC], { env });
    const rows = JSON.parse(r.stdout);
    expect(rows.map((x: { execution_id: string }) => x.execution_id)).toEqual([EXEC, EXEC, EXEC]);
    expect(rows.find((x: { name: string }) => x.name === 'region').value).toBe('eu-west-1');

    r = await runCli(['vars', 'show', EXEC, '--reveal', '-o', 'yaml'], { env });
    expect(r.stdout).toContain(JWT);

    r = await runCli(['vars', 'get', EXEC, 'api_token', '--field', '.', '--reveal'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(JWT);
    r = await runCli(['vars', 'get', EXEC, 'computed_value', '--field', 'total'], { env });
    expect(r.stdout).toBe('1500\n');
    r = await runCli(['vars', 'get', EXEC, 'computed_valu'], { env });
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toContain("did you mean 'computed_value'?");

    r = await runCli(['vars', 'stats', '-o', 'json'], { env });
    expect(JSON.parse(r.stdout)).toMatchObject({ total_variables: 3, total_executions: 1 });

    // Deleting one variable needs --yes off a terminal too (CONTRIBUTING.md, "Conventions").
    r = await runCli(['vars', 'rm', EXEC, 'region'], { env });
    expect([r.code, r.stderr]).toEqual([2, `error: deleting variable 'region' of execution ${EXEC} needs confirmation: add --yes (stdin is not a terminal)\n`]);
    r = await runCli(['vars', 'rm', EXEC, 'region', '-y'], { env });
    expect(r.code, r.stderr).toBe(0);
    r = await runCli(['vars', 'rm', EXEC], { env });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('--yes');
    r = await runCli(['vars', 'rm', EXEC, '--yes', '-o', 'json'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ execution_id: EXEC, name: null, removed: 2 });
    expect((await runCli(['vars', 'show', EXEC, '-o', 'json'], { env })).stdout).toBe('[]\n');
  });

  it('a variable name must be an identifier a template can use: anything else exits 2 and stores nothing', { timeout: 120_000 }, async () => {
    for (const name of ['1', 'a\nb', 'bad name', "x';drop table execution_variable;--", 'none', '\u001b[2Jx']) {
      const r = await runCli(['vars', 'set', '43', name, '--value', '1'], { env });
      expect(r.code, name).toBe(2);
      expect(r.stderr).toMatch(/^error: variable name ".*" is not valid: use 1-128 letters, digits and '_', starting with a letter or '_'.*\n$/);
      expect(r.stderr).not.toContain('\u001b');
    }
    expect((await runCli(['vars', 'show', '43', '-o', 'json'], { env })).stdout).toBe('[]\n');
    expect((await runCli(['vars', 'set', '43', '_ok_Name2', '--value', '1'], { env })).code).toBe(0);
  });

  it('a --value that is not JSON exits 2 without --raw and writes nothing', async () => {
    const r = await runCli(['vars', 'set', '42', 'region', '--value', 'eu-west-1'], { env });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('--raw');
    expect((await runCli(['vars', 'show', '42', '-o', 'json'], { env })).stdout).toBe('[]\n');
    const t = await runCli(['vars', 'set', '42', 'x', '--value', '1', '--type', 'bearer_token'], { env });
    expect(t.code, t.stderr).toBe(2);
  });
});
