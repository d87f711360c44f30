import { chmodSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { setStepResult } from '../../src/backends/local/vars.js';
import { withCliStore } from '../credential/cli-store.js';
import { runCli, testCliEnv, type CliResult } from '../helpers/cli.js';

// Input through the built bundle (node bin/noetl): YAML, files that cannot be read, sizes,
// nesting, durations, and secrets given as flag values. Run `node scripts/build.mjs` first.

const EXEC = '518508477736551392';
const PLAYBOOK = 'tests/yaml_input';
const MiB = 1024 * 1024;

/** Exactly one line on stderr, `error: …`, and never a crash report. */
function oneErrorLine(r: CliResult, what: string): string {
  const lines = r.stderr.trim().split('\n');
  expect(lines, `${what}: ${r.stderr}`).toHaveLength(1);
  expect(lines[0], what).toMatch(/^error: /);
  expect(r.stderr, what).not.toMatch(/this is a bug|Maximum call stack|Warning|NaN|\n\s+at /);
  return lines[0];
}

describe('input through the built CLI', () => {
  let dir: string;
  const file = (name: string, text: string | Buffer) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'noetl-input-cli-'));
    file(
      'pb.yaml',
      [
        'apiVersion: noetl.io/v2',
        'kind: Playbook',
        `metadata: {name: yaml_input, path: ${PLAYBOOK}}`,
        'workload: {api_base: "https://example.invalid"}',
        'keychain:',
        '  - name: api_token',
        '    kind: oauth2',
        '    scope: global',
        '    endpoint: "{{ workload.api_base }}/token"',
        '    data: {client_id: x}',
        'workflow:',
        '  - step: start',
        '',
      ].join('\n'),
    );
  });

  it('takes YAML for --data, --schema, --renew-config and --workload (the bundle refused it)', { timeout: 240_000 }, async () => {
    const env = await testCliEnv({ agent: true });
    let r = await runCli(['catalog', 'register', join(dir, 'pb.yaml')], { env });
    expect(r.code, r.stderr).toBe(0);
    const data = file('token.yaml', 'access_token: tok-123\nexpires_in: 3600\n');
    const schema = file('schema.yml', 'fields: [access_token, expires_in]\nrequired: [access_token]\n');
    r = await runCli(['keychain', 'set', 'static_token', '--playbook', PLAYBOOK, '--data', `@${data}`, '--schema', `@${schema}`], { env });
    expect(r.code, r.stderr).toBe(0);
    r = await runCli(['keychain', 'get', 'static_token', '--playbook', PLAYBOOK, '--reveal', '-o', 'json'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).token_data).toEqual({ access_token: 'tok-123', expires_in: 3600 });
    const renew = file('renew.yaml', 'endpoint: http://127.0.0.1:9/token\nmethod: POST\ndata:\n  grant_type: client_credentials\n');
    r = await runCli(['keychain', 'set', 'renewed', '--playbook', PLAYBOOK, '--data', '-', '--auto-renew', '--renew-config', `@${renew}`], { env, input: 'access_token: t\n' });
    expect(r.code, r.stderr).toBe(0);
    const workload = file('wl.yaml', 'api_base: http://127.0.0.1:9/override\n');
    r = await runCli(['keychain', 'resolve', join(dir, 'pb.yaml'), '--execution-id', EXEC, '--workload', `@${workload}`, '--dry-run', '-o', 'json'], { env });
    expect(r.code, r.stderr).toBe(0);
    // The workload's value was applied; a plan shows what derives from --workload values masked (they may be secrets).
    expect(JSON.parse(r.stdout).entries[0].source).toBe('POST ****/token');
    r = await runCli(['credential', 'add', 'pg_yaml', '--type', 'postgres', '--data', `@${file('pg.yaml', 'db_host: localhost\ndb_password: pw\n')}`], { env });
    expect(r.code, r.stderr).toBe(0);
  });

  it('files that cannot be read, inputs over 4 MiB and 100k-deep JSON: one line, exit 2 (3 when missing), nothing written', { timeout: 300_000 }, async () => {
    const env = await testCliEnv({ agent: true });
    expect((await runCli(['catalog', 'register', join(dir, 'pb.yaml')], { env })).code).toBe(0);
    const folder = join(dir, 'a-folder');
    if (!existsSync(folder)) mkdirSync(folder);
    const missing = join(dir, 'missing.json');
    const deep = file('deep.json', '['.repeat(100_000) + ']'.repeat(100_000));
    // A valid JSON string of 5 MiB: refused for its size, not called invalid.
    const large = file('large.json', JSON.stringify('x'.repeat(5 * MiB)));
    const largePlaybook = file('large.yaml', `metadata: {path: ${PLAYBOOK}}\nnote: "${'x'.repeat(5 * MiB)}"\n`);
    const bigKey = file('big.key', Buffer.alloc(8 * 1024, 0x41));
    chmodSync(bigKey, 0o600);
    const keychainSet = (data: string, ...more: string[]) => ['keychain', 'set', 'tok', '--playbook', PLAYBOOK, '--data', data, ...more];
    const cases: [string, string[], number, string][] = [
      ['keychain --data @DIR', keychainSet(`@${folder}`), 2, `error: cannot read ${folder} (--data): it is a directory; give a file`],
      ['keychain --data @missing', keychainSet(`@${missing}`), 3, `error: cannot read ${missing} (--data): no such file`],
      ['credential --data @missing', ['credential', 'add', 'c', '--type', 't', '--data', `@${missing}`], 3, `error: cannot read ${missing} (--data): no such file`],
      ['vars --value @missing', ['vars', 'set', EXEC, 'v', '--value', `@${missing}`], 3, `error: cannot read ${missing} (--value): no such file`],
      ['catalog register DIR', ['catalog', 'register', folder], 2, `error: cannot read playbook file ${folder}: it is a directory; give a file`],
      ['vars 100k-deep JSON', ['vars', 'set', EXEC, 'v', '--value', `@${deep}`], 2, 'error: --value: nested more than 512 levels deep: flatten it'],
      ['keychain 100k-deep JSON', keychainSet(`@${deep}`), 2, `error: ${deep}: nested more than 512 levels deep: flatten it`],
      ['vars 5 MiB', ['vars', 'set', EXEC, 'v', '--value', `@${large}`], 2, `error: ${large} (--value) is larger than 4 MiB, the limit for this input: nothing was read`],
      ['keychain 5 MiB', keychainSet(`@${large}`), 2, `error: ${large} (--data) is larger than 4 MiB, the limit for this input: nothing was read`],
      ['catalog 5 MiB', ['catalog', 'register', largePlaybook], 2, `error: playbook file ${largePlaybook} is larger than 4 MiB, the limit for this input: nothing was read`],
      ['an 8 KiB key file', keychainSet(`@${file('t.json', '{"a": 1}')}`, '--key-file', bigKey), 2, `error: key file ${bigKey} (given as an option) is larger than 4 KiB, the limit for this input: nothing was read`],
    ];
    for (const [what, args, code, line] of cases) {
      const r = await runCli(args, { env });
      expect(r.code, `${what}: ${r.stderr}`).toBe(code);
      expect(oneErrorLine(r, what), what).toBe(line);
    }
    const keychain = await runCli(['keychain', 'ls', '--playbook', PLAYBOOK, '-o', 'json'], { env });
    expect(JSON.parse(keychain.stdout)).toEqual([]);
    expect((await runCli(['vars', 'show', EXEC, '-o', 'json'], { env })).stdout).toBe('[]\n');
    expect((await runCli(['catalog', 'ls', '-o', 'json'], { env })).stdout.match(/"version"/g)).toHaveLength(1);
  });

  it('vars set refuses a secret given as the flag value, and takes it from a file or stdin', { timeout: 240_000 }, async () => {
    const env = await testCliEnv({ agent: true });
    const refused: [string, string[]][] = [
      ['a password field', ['db', '--value', '{"host": "db.internal", "password": "hunter2"}']],
      ['a nested client_secret', ['oauth', '--value', '{"oauth": {"client_secret": "Zx81kQ0vTq7LmN2pR5sW"}}']],
      ['a GitHub token with --raw', ['gh', '--value', 'ghp_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3z5', '--raw']],
      ['a JWT with --raw', ['jwt', '--value', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl', '--raw']],
      ['a variable named like a password', ['db_password', '--value', 'hunter2', '--raw']],
    ];
    for (const [what, args] of refused) {
      const r = await runCli(['vars', 'set', EXEC, ...args], { env });
      expect(r.code, `${what}: ${r.stderr}`).toBe(2);
      expect(oneErrorLine(r, what)).toBe(
        'error: --value looks like it holds a secret (a password or token field, or a token\'s shape): pass it with --value @FILE or --value - (stdin), so it stays out of the shell history and `ps`',
      );
      expect(r.stderr).not.toMatch(/hunter2|Zx81|ghp_|eyJ/);
    }
    expect((await runCli(['vars', 'show', EXEC, '-o', 'json'], { env })).stdout).toBe('[]\n');
    // The same values from a file or stdin, and plain values inline, are taken.
    let r = await runCli(['vars', 'set', EXEC, 'db', '--value', `@${file('db.json', '{"host": "db.internal", "password": "hunter2"}')}`], { env });
    expect(r.code, r.stderr).toBe(0);
    r = await runCli(['vars', 'set', EXEC, 'gh', '--value', '-', '--raw'], { env, input: 'ghp_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3z5\n' });
    expect(r.code, r.stderr).toBe(0);
    r = await runCli(['vars', 'set', EXEC, 'region', '--value', 'eu-west-1', '--raw'], { env });
    expect(r.code, r.stderr).toBe(0);
    r = await runCli(['vars', 'set', EXEC, 'auth_ref', '--value', '{"session_count": 3, "token": "{{ keychain.api.token }}", "created": "2024-01-15T10:00:00Z"}'], { env });
    expect(r.code, r.stderr).toBe(0);
    r = await runCli(['vars', 'show', EXEC, '-o', 'json'], { env });
    expect(JSON.parse(r.stdout).map((v: { name: string }) => v.name).sort()).toEqual(['auth_ref', 'db', 'gh', 'region']);
  });

  it('bounds durations (--ttl 100000000d) and takes --lock-timeout 0s', { timeout: 120_000 }, async () => {
    const env = await testCliEnv({ agent: true });
    const data = file('d.json', '{"a": 1}');
    let r = await runCli(['keychain', 'set', 'tok', '--playbook', PLAYBOOK, '--data', `@${data}`, '--ttl', '100000000d'], { env });
    expect(r.code).toBe(2);
    expect(oneErrorLine(r, '--ttl')).toBe("error: --ttl '100000000d' is too long: at most 36500d (100 years)");
    r = await runCli(['keychain', 'resolve', 'never-read.yaml', '--execution-id', '507431238966182398', '--timeout', '50d', '--dry-run'], { env });
    expect(r.code).toBe(2);
    expect(oneErrorLine(r, '--timeout')).toBe('error: --timeout is more than the 600s a token request may wait');
    r = await runCli(['--lock-timeout', '0s', 'catalog', 'ls', '-o', 'json'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([]);
  });

  it('reads a variable holding an 8 MB string (vars get and show overflowed the stack)', { timeout: 120_000 }, async () => {
    const env = await testCliEnv();
    await withCliStore(env, (store) =>
      setStepResult(store, { executionId: EXEC, stepName: 'fetch', result: { body: 'x'.repeat(8 * MiB), id: '507431238966182398' } }),
    );
    let r = await runCli(['vars', 'get', EXEC, 'fetch', '--field', 'id'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('507431238966182398');
    r = await runCli(['vars', 'show', EXEC], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^fetch\t/m);
  });
});
