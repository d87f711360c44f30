import { corpusDir, missingShared } from '../helpers/corpus.js';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { classifyStored } from '../../src/core/envelope.js';
import { runCli, testCliEnv, type CliResult } from '../helpers/cli.js';
import { testBackend } from '../helpers/backend.js';
import { withCliStore } from './cli-store.js';

const CORPUS = corpusDir('upstream-credentials');
// shared/ may be absent (a clone without it): the test that needs it skips, and says so.
const noCorpus = missingShared(CORPUS);
const SECRET = 'Zq9-very-secret-Xy7Wk2';

async function cliEnv(options: { noKey?: boolean } = {}): Promise<NodeJS.ProcessEnv> {
  return { ...(await testCliEnv({ ...options, agent: true })), NOETL_KEYRING: 'off' };
}

async function names(env: NodeJS.ProcessEnv): Promise<string[]> {
  const r = await runCli(['credential', 'ls', '-o', 'json'], { env });
  expect(r.code).toBe(0);
  return (JSON.parse(r.stdout) as { name: string }[]).map((c) => c.name);
}

function noSecret(r: CliResult): void {
  expect(r.stdout).not.toContain(SECRET);
  expect(r.stderr).not.toContain(SECRET);
}

describe('noetl credential (built CLI)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'noetl-cred-cli-'));
  });

  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('every error path has its exit code and one-line error, and writes nothing', { timeout: 240_000 }, async () => {
    const env = await cliEnv();
    const good = file('good.json', JSON.stringify({ client_id: 'id', client_secret: SECRET }));
    let r = await runCli(['credential', 'add', 'oa', '--type', 'oauth2', '--data', `@${good}`], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe("added credential 'oa' (oauth2)\n");

    const cases: [string, string[], number, RegExp, string?][] = [
      ['existing name', ['credential', 'add', 'oa', '--type', 'oauth2', '--data', `@${good}`], 4, /^error: credential 'oa' already exists: use --replace/m],
      ['inline data', ['credential', 'add', 'x', '--type', 't', '--data', `{"password":"${SECRET}"}`], 2, /^error: refusing --data given inline: command-line arguments leak into shell history and `ps`/m],
      ['invalid JSON', ['credential', 'add', 'x', '--type', 't', '--data', `@${file('broken.json', `{"password": ${SECRET}}`)}`], 2, /^error: .*broken\.json: invalid JSON: syntax error/m],
      ['invalid YAML', ['credential', 'add', 'x', '--type', 't', '--data', `@${file('broken.yaml', `a: [${SECRET}\nb: c`)}`], 2, /^error: .*broken\.yaml: invalid YAML: .* at line 2, column 1/m],
      ['a bad name', ['credential', 'add', 'bad/name', '--type', 't', '--data', `@${good}`], 2, /^error: name 'bad\/name' is not valid: use 1-128 characters/m],
      ['empty data', ['credential', 'add', 'x', '--type', 't', '--data', `@${file('empty.json', '{}')}`], 2, /^error: credential 'x': data is empty/m],
      ['an empty file', ['credential', 'add', 'x', '--type', 't', '--data', `@${file('nothing.json', '')}`], 2, /^error: .*nothing\.json: file is empty/m],
      ['oversized data', ['credential', 'add', 'x', '--type', 't', '--data', `@${file('big.json', JSON.stringify({ a: 'x'.repeat(300_000) }))}`], 2, /more than the 262144 allowed/],
      ['a missing data file', ['credential', 'add', 'x', '--type', 't', '--data', `@${join(dir, 'nope.json')}`], 3, /^error: cannot read .*nope\.json \(--data\): no such file/m],
      ['no data off a TTY', ['credential', 'add', 'x', '--type', 't'], 2, /^error: no data for credential 'x': give --data @file\.json/m],
      ['a key that is not 32 bytes', ['credential', 'get', 'oa'], 2, /^error: NOETL_ENCRYPTION_KEY decodes to 16 bytes, not 32/m, randomBytes(16).toString('base64')],
      ['a missing credential', ['credential', 'get', 'missing'], 3, /^error: credential 'missing' not found/m],
      ['rm of a missing credential', ['credential', 'rm', 'missing', '--yes'], 3, /^error: credential 'missing' not found/m],
      ['rm off a TTY without --yes', ['credential', 'rm', 'oa'], 2, /^error: deleting credential 'oa' needs confirmation: add --yes/m],
      ['an unknown --field', ['credential', 'get', 'oa', '--field', 'nope'], 3, /^error: credential 'oa' has no field 'nope' \(fields: client_id, client_secret\)/m],
    ];
    for (const [what, args, code, pattern, key] of cases) {
      r = await runCli(args, { env: key ? { ...env, NOETL_ENCRYPTION_KEY: key } : env });
      expect(r.code, `${what}: ${r.stderr}`).toBe(code);
      expect(r.stderr, what).toMatch(pattern);
      expect(r.stderr.trim().split('\n').filter((l) => l.startsWith('error: ')), what).toHaveLength(1);
      noSecret(r);
    }

    // A schema violation is one line; with --verbose, every error in the seeds' wording, values never shown.
    const schema = file('schema.json', JSON.stringify({ fields: ['client_id', 'client_secret', 'token_url'], required: ['client_id', 'client_secret'], types: { token_url: 'string' } }));
    const bad = file('bad.json', JSON.stringify({ client_id: SECRET, token_url: 5, extra: SECRET }));
    r = await runCli(['--verbose', 'credential', 'add', 'oa2', '--type', 'oauth2', '--data', `@${bad}`, '--schema', `@${schema}`], { env });
    expect(r.code).toBe(2);
    noSecret(r);
    expect(r.stderr.replace(/^database: .*\n/m, '')).toBe(
      [
        "  Field 'token_url' must be string, got integer",
        '  Unexpected fields: extra',
        '  Expected fields: client_id, client_secret, token_url',
        '  Provided fields: client_id, token_url, extra',
        '  Allowed fields: client_id, client_secret, token_url',
        "error: credential 'oa2' does not match its schema: Missing required field: client_secret; nothing was written",
        '',
      ].join('\n'),
    );

    expect(await names(env)).toEqual(['oa']);

    // A tampered row: its own error, exit 1, no garbage.
    await withCliStore(env, async (store) => {
      const row = (await store.query<{ data_encrypted: string }>(`SELECT data_encrypted FROM credential WHERE name = 'oa'`)).rows[0];
      const envelope = JSON.parse(row.data_encrypted) as { ct: string };
      const ct = Buffer.from(envelope.ct, 'base64');
      ct[ct.length - 1] ^= 1;
      await store.query(`UPDATE credential SET data_encrypted = $1 WHERE name = 'oa'`, [JSON.stringify({ ...envelope, ct: ct.toString('base64') })]);
    });
    r = await runCli(['credential', 'get', 'oa', '--reveal'], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("error: credential 'oa' could not be decrypted: wrong master key or tampered data\n");
    expect(r.stdout).toBe('');
  });

  it.skipIf(noCorpus)('registers every corpus file unedited with -f FILE, and the directory in one transaction', { timeout: 300_000 }, async () => {
    const env = await cliEnv();
    const files = readdirSync(CORPUS).sort();
    for (const f of files) {
      const r = await runCli(['credential', 'add', '-f', join(CORPUS, f), '--replace'], { env });
      expect(r.code, `${f}: ${r.stderr}`).toBe(0);
    }
    const expected = [...new Set(files.map((f) => (JSON.parse(readFileSync(join(CORPUS, f), 'utf8')) as { name: string }).name))].sort();
    expect(await names(env)).toEqual(expected);

    const fresh = await cliEnv();
    let r = await runCli(['credential', 'add', '-f', CORPUS], { env: fresh });
    // google_oauth.json.example and google_oauth_local_user.json.example both name 'google_oauth'.
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/google_oauth_local_user\.json\.example: credential 'google_oauth' is also defined in .*google_oauth\.json\.example/);
    expect(r.stderr).toMatch(/^error: 1 of 17 registration files failed; nothing was written/m);
    expect(await names(fresh)).toEqual([]);

    r = await runCli(['credential', 'add', '-f', CORPUS, '--replace', '-o', 'json'], { env: fresh });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { entries: { status: string }[]; rolled_back: boolean };
    expect(report.rolled_back).toBe(false);
    expect(report.entries.filter((e) => e.status === 'added')).toHaveLength(16);
    expect(await names(fresh)).toEqual(expected);

    r = await runCli(['credential', 'get', 'sf_test_keypair', '--field', 'sf_private_key', '--reveal'], { env: fresh });
    expect(r.stdout).toBe((JSON.parse(readFileSync(join(CORPUS, 'sf_test_keypair.json.example'), 'utf8')) as { data: { sf_private_key: string } }).data.sf_private_key);

    // validate says what add -f would: the two files named google_oauth are a conflict.
    r = await runCli(['credential', 'validate', CORPUS], { env: fresh });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/google_oauth_local_user\.json\.example: credential 'google_oauth' is also defined in/);
  });

  it('never shows the secret without --reveal, and never stores it in the clear', { timeout: 240_000 }, async () => {
    const env = await cliEnv();
    const data = file('s.yaml', `username: admin\npassword: ${SECRET}\nnested:\n  token: ${SECRET}\n`);
    const reg = file('reg.json', JSON.stringify({ name: 'reg', type: 'basic', tags: ['t'], data: { username: 'u', password: SECRET } }));
    const newKey = file('new.key', randomBytes(32).toString('base64'));
    const runs: [string[], string?][] = [
      [['credential', 'add', 'basic1', '--type', 'basic', '--data', `@${data}`, '--tag', 'prod', '--meta', 'owner=ops']],
      [['credential', 'add', 'basic2', '--type', 'basic', '--data', '-'], JSON.stringify({ username: 'u', password: SECRET })],
      [['credential', 'add', 'basic1', '--type', 'basic', '--data', `@${data}`, '--replace', '-o', 'json']],
      [['credential', 'add', '-f', reg]],
      [['credential', 'add', '-f', reg, '-o', 'yaml', '--replace']],
      [['credential', 'add', 'basic3', '--type', 'basic', '--data', `@${data}`, '--schema', `@${file('sch.json', '{"required":["missing"]}')}`]],
      [['credential', 'get', 'basic1']],
      [['credential', 'get', 'basic1', '-o', 'json']],
      [['credential', 'get', 'basic1', '-o', 'yaml']],
      [['credential', 'get', 'basic1', '--field', 'password']],
      [['credential', 'get', 'basic1', '--field', 'nested.token']],
      [['credential', 'ls']],
      [['credential', 'ls', '-o', 'json', '--tag', 'prod']],
      [['credential', 'validate', reg]],
      [['credential', 'key-status']],
      [['credential', 'key-status', '-o', 'json']],
      [['--verbose', 'credential', 'rotate-key', '--new-key-file', newKey, '--batch-size', '1']],
    ];
    for (const [args, input] of runs) {
      const r = await runCli(args, { env, input });
      expect(r.code, args.join(' ') + r.stderr).toBe(args.includes('basic3') ? 2 : 0);
      noSecret(r);
    }
    const rows = await withCliStore(env, (store) => store.query<{ data_encrypted: string }>('SELECT data_encrypted FROM credential'));
    expect(rows.rows).toHaveLength(3);
    for (const row of rows.rows) {
      expect(row.data_encrypted).not.toContain(SECRET);
      expect(classifyStored(row.data_encrypted).kind).toBe('envelope');
    }

    // After rotation the records open with the new key only.
    const rotated = { ...env, NOETL_ENCRYPTION_KEY: readFileSync(newKey, 'utf8').trim() };
    let r = await runCli(['credential', 'get', 'basic1', '--field', 'password', '--reveal'], { env: rotated });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(SECRET);
    r = await runCli(['credential', 'get', 'basic1', '-o', 'json', '--reveal'], { env: rotated });
    expect(JSON.parse(r.stdout).data).toEqual({ username: 'admin', password: SECRET, nested: { token: SECRET } });
    r = await runCli(['credential', 'get', 'basic2', '--field', 'password', '--reveal'], { env });
    expect(r.code).toBe(1);
    noSecret(r);

    r = await runCli(['credential', 'rm', 'basic2', '--yes'], { env: rotated });
    expect(r.code).toBe(0);
    noSecret(r);
    expect(await names(env)).toEqual(['basic1', 'reg']);
  });

  it('two processes adding the same name at once: one wins, the other exits 4', { timeout: 120_000 }, async () => {
    const env = await cliEnv();
    const a = file('a.json', JSON.stringify({ secret: 'from-a' }));
    const b = file('b.json', JSON.stringify({ secret: 'from-b' }));
    const results = await Promise.all([
      runCli(['credential', 'add', 'same', '--type', 'secret', '--data', `@${a}`], { env }),
      runCli(['credential', 'add', 'same', '--type', 'secret', '--data', `@${b}`], { env }),
    ]);
    expect(results.map((r) => r.code).sort()).toEqual([0, 4]);
    const loser = results.find((r) => r.code === 4)!;
    expect(loser.stderr).toMatch(/^error: credential 'same' already exists/m);
    const winner = results.findIndex((r) => r.code === 0);
    const got = await runCli(['credential', 'get', 'same', '--field', 'secret', '--reveal'], { env });
    expect(got.stdout).toBe(winner === 0 ? 'from-a' : 'from-b');
  });

  it('with no key: PostgreSQL refuses to write (exit 2); the embedded default generates one once and says where', { timeout: 120_000 }, async () => {
    const env = await cliEnv({ noKey: true });
    const data = file('k.json', JSON.stringify({ secret: SECRET }));
    const first = await runCli(['credential', 'add', 'k1', '--type', 'secret', '--data', `@${data}`], { env });
    if (testBackend() === 'postgres') {
      expect(first.code).toBe(2);
      expect(first.stderr).toMatch(/^error: no master key configured for PostgreSQL, refusing to store secrets \(nothing was written\): set NOETL_ENCRYPTION_KEY/m);
      expect(await withCliStore(env, async (s) => (await s.query('SELECT 1 FROM credential')).rows.length)).toBe(0);
      return;
    }
    expect(first.code).toBe(0);
    const keyFile = join(env.XDG_CONFIG_HOME!, 'noetl', 'master.key');
    expect(first.stderr).toContain(`generated a master key for the embedded database and stored it in ${keyFile}`);
    const second = await runCli(['credential', 'add', 'k2', '--type', 'secret', '--data', `@${data}`], { env });
    expect(second.code).toBe(0);
    expect(second.stderr).not.toContain('generated');
    let got = await runCli(['credential', 'get', 'k1', '--field', 'secret', '--reveal'], { env });
    expect(got.stdout).toBe(SECRET);

    // Rotating the generated default key replaces it where it is kept.
    const newKey = randomBytes(32).toString('base64');
    const rotated = await runCli(['credential', 'rotate-key', '--new-key-file', file('gen-new.key', newKey)], { env });
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.stderr).toContain(`the default key in ${keyFile} was replaced with it`);
    expect(readFileSync(keyFile, 'utf8').trim()).toBe(newKey);
    got = await runCli(['credential', 'get', 'k2', '--field', 'secret', '--reveal'], { env });
    expect(got.stdout).toBe(SECRET);
  });
});
