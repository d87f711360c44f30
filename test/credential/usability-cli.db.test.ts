import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, testCliEnv } from '../helpers/cli.js';

const SECRET = 'Tr0ub4dor&3-correct-horse-battery';
const MASK = /\*{4}#[0-9a-f]{8}/;

async function cliEnv(): Promise<NodeJS.ProcessEnv> {
  return { ...(await testCliEnv({ agent: true })), NOETL_KEYRING: 'off' };
}

describe('noetl credential: masks, --replace, schemas, validate (built CLI)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'noetl-cred-usability-'));
  });
  const file = (name: string, value: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
    return path;
  };

  it('get masks with a fingerprint: no character and no length; equal values match, from run to run', { timeout: 120_000 }, async () => {
    const env = await cliEnv();
    const same = file('same.json', { password: SECRET });
    const other = file('other.json', { password: `${SECRET}!` });
    for (const [name, data] of [['a', same], ['b', same], ['c', other]]) {
      expect((await runCli(['credential', 'add', name, '--type', 'basic', '--data', `@${data}`], { env })).code).toBe(0);
    }
    const shown: string[] = [];
    for (const name of ['a', 'b', 'c', 'a']) {
      const r = await runCli(['credential', 'get', name], { env });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).not.toContain(SECRET.slice(0, 3));
      expect(r.stdout).not.toMatch(/chars\)|…/);
      shown.push(/^data\.password\t(.*)$/m.exec(r.stdout)![1]);
    }
    expect(shown[0]).toMatch(MASK);
    expect(shown[1]).toBe(shown[0]);
    expect(shown[3]).toBe(shown[0]);
    expect(shown[2]).not.toBe(shown[0]);
    const field = await runCli(['credential', 'get', 'a', '--field', 'password'], { env });
    expect(field.stdout).toBe(`"${shown[0]}"\n`);
  });

  it('add --replace keeps description, tags, meta and schema not given; --clear empties one; the kept schema still applies', { timeout: 120_000 }, async () => {
    const env = await cliEnv();
    const schema = file('schema.json', { fields: ['user', 'password'], required: ['user', 'password'] });
    const v1 = file('v1.json', { user: 'u', password: 'p1' });
    const v2 = file('v2.json', { user: 'u', password: 'p2' });
    const odd = file('odd.json', { token: 't' });
    let r = await runCli(['credential', 'add', 'db', '--type', 'basic', '--data', `@${v1}`, '--schema', `@${schema}`, '--description', 'the db', '--tag', 'prod', '--meta', 'owner=ops'], { env });
    expect(r.code, r.stderr).toBe(0);
    r = await runCli(['credential', 'add', 'db', '--type', 'basic', '--data', `@${v2}`, '--replace', '-o', 'json'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ description: 'the db', tags: ['prod'], meta: { owner: 'ops' }, schema: { fields: ['user', 'password'] }, replaced: true });

    // The kept schema still guards the data; nothing is written when it does not match.
    r = await runCli(['credential', 'add', 'db', '--type', 'basic', '--data', `@${odd}`, '--replace'], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: credential 'db' does not match its schema: /m);
    r = await runCli(['credential', 'get', 'db', '--field', 'password', '--reveal'], { env });
    expect(r.stdout).toBe('p2');

    r = await runCli(['credential', 'add', 'db', '--type', 'basic', '--data', `@${odd}`, '--replace', '--clear', 'schema', '--clear', 'tags', '--description', 'new', '-o', 'json'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ description: 'new', tags: [], meta: { owner: 'ops' }, schema: null });

    r = await runCli(['credential', 'add', 'db', '--type', 'basic', '--data', `@${odd}`, '--clear', 'meta'], { env });
    expect([r.code, r.stderr]).toEqual([2, 'error: --clear empties a field of the stored credential: it goes with --replace\n']);
    r = await runCli(['credential', 'add', 'db', '--type', 'basic', '--data', `@${odd}`, '--replace', '--clear', 'nope'], { env });
    expect(r.code).toBe(2);
  });

  it('refuses a malformed schema; a schema failure is one line, its details with --verbose or -o json', { timeout: 120_000 }, async () => {
    const env = await cliEnv();
    const data = file('data.json', { a: 'x', c: 1 });
    for (const bad of [{ fields: 5 }, { fields: ['a'], types: 'string' }, { type: 'object', requird: ['a'] }]) {
      const r = await runCli(['credential', 'add', 'x', '--type', 't', '--data', `@${data}`, '--schema', `@${file('bad-schema.json', bad)}`], { env });
      expect(r.code, JSON.stringify(bad)).toBe(2);
      expect(r.stderr).toMatch(/^error: credential 'x': its schema is invalid: Schema .*; nothing was written\n$/);
    }
    const schema = file('schema.json', { fields: ['a', 'b'], required: ['a', 'b'], types: { a: 'integer' } });
    const args = ['credential', 'add', 'x', '--type', 't', '--data', `@${data}`, '--schema', `@${schema}`];
    let r = await runCli(args, { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("error: credential 'x' does not match its schema: Missing required field: b; nothing was written (details: --verbose or -o json)\n");
    r = await runCli(['--verbose', ...args], { env });
    expect(r.stderr).toContain("  Field 'a' must be integer, got string\n  Unexpected fields: c\n");
    expect(r.stderr.trimEnd().split('\n').at(-1)).toBe("error: credential 'x' does not match its schema: Missing required field: b; nothing was written");
    r = await runCli(['-o', 'json', ...args], { env });
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).details).toEqual(expect.arrayContaining(['Missing required field: b', "Field 'a' must be integer, got string", 'Unexpected fields: c']));
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    const ls = await runCli(['credential', 'ls', '-o', 'json'], { env });
    expect(JSON.parse(ls.stdout)).toEqual([]);
  });

  it('validate DIR reports two files with one name (exit 4, as add -f DIR); a missing path exits 3', { timeout: 120_000 }, async () => {
    const env = await cliEnv();
    const folder = join(dir, 'regs');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'google_oauth.json'), JSON.stringify({ name: 'google_oauth', type: 'oauth2', data: { client_id: 'a', client_secret: 'b' } }));
    writeFileSync(join(folder, 'google_oauth_local.json'), JSON.stringify({ name: 'google_oauth', type: 'oauth2', data: { client_id: 'c', client_secret: 'd' } }));
    let r = await runCli(['credential', 'validate', folder], { env });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/google_oauth_local\.json: credential 'google_oauth' is also defined in .*google_oauth\.json/);
    expect(r.stderr).toMatch(/^error: 1 of 2 registration files reuse a name another file already has \(add -f would exit 4\)$/m);
    r = await runCli(['credential', 'add', '-f', folder], { env });
    expect(r.code).toBe(4);
    r = await runCli(['credential', 'validate', join(dir, 'missing')], { env });
    expect(r.code).toBe(3);
    r = await runCli(['credential', 'add', '-f', join(dir, 'missing.json')], { env });
    expect(r.code).toBe(3);
  });
});
