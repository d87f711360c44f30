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
    env = await testCliEnv();
    dir = mkdtempSync(join(tmpdir(), 'noetl-vars-cli-'));
  });

  it('show exits 3 when an execution has no variables, 2 on a non-numeric id', async () => {
    const none = await runCli(['vars', 'show', EXEC], { env });
    expect(none.code, none.stderr).toBe(3);
    expect(none.stderr).toBe(`error: no variables for execution ${EXEC}\n`);
    expect(none.stdout).toBe('');
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

    r = await runCli(['vars', 'rm', EXEC, 'region'], { env });
    expect(r.code, r.stderr).toBe(0);
    r = await runCli(['vars', 'rm', EXEC], { env });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('--yes');
    r = await runCli(['vars', 'rm', EXEC, '--yes', '-o', 'json'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ execution_id: EXEC, name: null, removed: 2 });
    expect((await runCli(['vars', 'show', EXEC], { env })).code).toBe(3);
  });

  it('a --value that is not JSON exits 2 without --raw and writes nothing', async () => {
    const r = await runCli(['vars', 'set', '42', 'region', '--value', 'eu-west-1'], { env });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('--raw');
    expect((await runCli(['vars', 'show', '42'], { env })).code).toBe(3);
    const t = await runCli(['vars', 'set', '42', 'x', '--value', '1', '--type', 'bearer_token'], { env });
    expect(t.code, t.stderr).toBe(2);
  });
});
