import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runAdd, type AddOptions } from '../../src/cli/credential/add.js';
import { runGet } from '../../src/cli/credential/get.js';
import type { CredentialDeps } from '../../src/cli/credential/input.js';
import { runKeyStatus } from '../../src/cli/credential/key-status.js';
import { runLs } from '../../src/cli/credential/ls.js';
import { runRm } from '../../src/cli/credential/rm.js';
import { runRotateKey } from '../../src/cli/credential/rotate-key.js';
import { runValidate } from '../../src/cli/credential/validate.js';
import type { OutputFormat } from '../../src/cli/output.js';
import type { KeySet } from '../../src/core/envelope.js';
import { createLocalClient } from '../../src/backends/local/index.js';
import { getCredential } from '../../src/backends/local/credentials.js';
import { masterKey } from '../../src/backends/sql/keys.js';
import { NoetlError } from '../../src/core/errors.js';
import { isOnKey } from '../../src/backends/local/key-rotation.js';
import type { Store } from '../../src/backends/sql/store.js';
import { memIO, type MemIO } from '../helpers/memio.js';
import { runInfo } from '../../src/cli/db/info.js';
import { runMigrate } from '../../src/cli/db/migrate.js';
import { runStatus } from '../../src/cli/db/status.js';
import { testStore } from '../helpers/store.js';

const SECRET = 'pr0mpted-s3cret-value';
const keys: KeySet = { current: masterKey(randomBytes(32), 'env:NOETL_ENCRYPTION_KEY'), previous: [] };

function addOpts(over: Partial<AddOptions>): AddOptions {
  return { tags: [], meta: [], replace: false, clear: [], continueOnError: false, ...over };
}

describe('credential run functions', () => {
  let store: Store;
  let dir: string;
  beforeAll(async () => {
    store = await testStore();
    dir = mkdtempSync(join(tmpdir(), 'noetl-cred-run-'));
  });
  beforeEach(async () => {
    await store.query('DELETE FROM credential');
  });
  afterAll(async () => {
    await store.close();
  });

  function deps(options: { tty?: boolean; stdin?: string; output?: OutputFormat; answers?: string[]; confirm?: boolean } = {}) {
    const mem = memIO({ tty: options.tty, stdin: options.stdin });
    const asked: string[] = [];
    const info: string[] = [];
    const d: CredentialDeps = {
      io: mem.io,
      output: options.output ?? 'table',
      client: async () => createLocalClient({ store, keys: async () => keys }),
      info: (m) => info.push(m),
      prompt: async (message, { secret }) => {
        asked.push(secret ? `${message} (hidden)` : message);
        const answer = options.answers?.shift();
        if (answer === undefined) throw new Error(`no answer left for ${message}`);
        return answer;
      },
      confirm: async () => options.confirm ?? false,
    };
    return { d, mem, asked, info };
  }

  it('on a TTY with no --data, asks one prompt per field of the known type (hidden only for secrets), typed; a typo or an empty required answer is asked again', async () => {
    const { d, asked, info, mem } = deps({ tty: true, answers: ['db.example', '54x2', '5432', 'app', SECRET, '', 'appdb'] });
    await runAdd(addOpts({ name: 'pg', type: 'postgres' }), d);
    expect(asked).toEqual(['db_host:', 'db_port (optional):', 'db_port (optional):', 'db_user:', 'db_password: (hidden)', 'db_name:', 'db_name:']);
    expect(mem.stderr()).toBe('db_port must be an integer: try again (Ctrl-C to stop)\ndb_name is required: try again (Ctrl-C to stop)\n');
    expect(info).toEqual(["added credential 'pg' (postgres)"]);
    const got = await getCredential(store, keys, 'pg');
    expect(got.data).toEqual({ db_host: 'db.example', db_port: 5432, db_user: 'app', db_password: SECRET, db_name: 'appdb' });
  });

  it('asks for the fields of --schema, hides a field it cannot tell is public, and skips an empty optional answer', async () => {
    const schema = join(dir, 'schema.json');
    writeFileSync(schema, JSON.stringify({ fields: ['key', 'port'], required: ['key'], types: { port: 'integer' } }));
    const { d, asked } = deps({ tty: true, answers: [SECRET, 'eighty', ''] });
    await runAdd(addOpts({ name: 'c', type: 'custom', schema: `@${schema}` }), d);
    expect(asked).toEqual(['key: (hidden)', 'port (optional):', 'port (optional):']);
    expect((await getCredential(store, keys, 'c')).data).toEqual({ key: SECRET });
  });

  it('refuses to prompt for a type with no known fields and no schema', async () => {
    const { d } = deps({ tty: true });
    await expect(runAdd(addOpts({ name: 'k', type: 'kafka' }), d)).rejects.toMatchObject({ code: 'invalid', message: expect.stringMatching(/has no known fields to ask for/) });
  });

  it('reads --data - from stdin, prints the record with -o json and nothing secret', async () => {
    const { d, mem } = deps({ stdin: JSON.stringify({ token: SECRET }), output: 'json' });
    await runAdd(addOpts({ name: 'b', type: 'bearer', data: '-', tags: ['x'], meta: ['owner=ops'], description: 'd' }), d);
    const printed = JSON.parse(mem.stdout());
    expect(printed).toMatchObject({ name: 'b', type: 'bearer', tags: ['x'], meta: { owner: 'ops' }, description: 'd', replaced: false });
    expect(mem.stdout() + mem.stderr()).not.toContain(SECRET);
  });

  it('get masks every value; --field without --reveal prints the masked value with a newline; with --reveal the raw value without', async () => {
    const { d } = deps({ stdin: JSON.stringify({ token: SECRET, n: { deep: SECRET } }) });
    await runAdd(addOpts({ name: 'b', type: 'secret', data: '-' }), d);
    let r = deps();
    await runGet({ name: 'b', reveal: false }, r.d);
    // No character and no length of the value: a fingerprint, equal for equal values.
    expect(r.mem.stdout()).toMatch(/^data\.token\t\*{4}#[0-9a-f]{8}$/m);
    const masked = /^data\.token\t(.*)$/m.exec(r.mem.stdout())![1];
    expect(r.mem.stdout()).toContain(`data.n.deep\t${masked}`);
    expect(r.mem.stdout()).not.toContain(SECRET);
    r = deps();
    await runGet({ name: 'b', reveal: false, field: 'token' }, r.d);
    expect(r.mem.stdout()).toBe(`"${masked}"\n`);
    r = deps();
    await runGet({ name: 'b', reveal: true, field: 'n.deep' }, r.d);
    expect(r.mem.stdout()).toBe(SECRET);
    r = deps({ output: 'yaml' });
    await runGet({ name: 'b', reveal: true }, r.d);
    expect(r.mem.stdout()).toContain(`token: ${SECRET}`);
  });

  it('ls filters by type and tag and never shows data', async () => {
    await runAdd(addOpts({ name: 'a', type: 'secret', data: '-', tags: ['prod'] }), deps({ stdin: JSON.stringify({ secret: SECRET }) }).d);
    await runAdd(addOpts({ name: 'b', type: 'basic', data: '-', tags: ['dev'] }), deps({ stdin: JSON.stringify({ username: 'u', password: SECRET }) }).d);
    let r = deps({ output: 'json' });
    await runLs({ tags: ['prod'] }, r.d);
    expect((JSON.parse(r.mem.stdout()) as { name: string }[]).map((c) => c.name)).toEqual(['a']);
    r = deps();
    await runLs({ type: 'basic', tags: [] }, r.d);
    expect(r.mem.stdout().split('\n')[0]).toBe('NAME\tTYPE\tTAGS\tUPDATED\tDESCRIPTION');
    expect(r.mem.stdout()).toMatch(/^b\tbasic\tdev\t/m);
    expect(r.mem.stdout()).not.toContain(SECRET);
  });

  it('rm asks on a TTY: no keeps it, yes deletes it', async () => {
    await runAdd(addOpts({ name: 'a', type: 'secret', data: '-' }), deps({ stdin: '{"secret":"x"}' }).d);
    await expect(runRm({ name: 'a', yes: false }, deps({ tty: true, confirm: false }).d)).rejects.toMatchObject({ code: 'unavailable' });
    expect((await store.query('SELECT 1 FROM credential')).rows).toHaveLength(1);
    await runRm({ name: 'a', yes: false }, deps({ tty: true, confirm: true }).d);
    expect((await store.query('SELECT 1 FROM credential')).rows).toHaveLength(0);
  });

  it('validate reports per file and exits 2 on an invalid one, storing nothing', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ name: 'x', type: 'y', data: { a: 1 }, schema: { required: ['b'] } }));
    const r = deps();
    await expect(runValidate({ path: bad }, r.d)).rejects.toMatchObject({ code: 'invalid', message: '1 of 1 registration file invalid (details: --verbose or -o json)' });
    expect(r.mem.stderr()).toBe("bad.json: credential 'x' does not match its schema: Missing required field: b\n".replace('bad', bad.slice(0, -'.json'.length)));
    const verbose = deps();
    await expect(runValidate({ path: bad }, { ...verbose.d, verbose: true })).rejects.toMatchObject({ code: 'invalid', message: '1 of 1 registration file invalid' });
    expect(verbose.mem.stderr()).toContain("bad.json: credential 'x' does not match its schema: Missing required field: b\n  Expected fields: b\n  Provided fields: a\n");
    expect(r.mem.stdout()).toMatch(/bad\.json\tx\tinvalid/);
  });

  it('key-status marks the current key', async () => {
    await runAdd(addOpts({ name: 'a', type: 'secret', data: '-' }), deps({ stdin: '{"secret":"x"}' }).d);
    await store.query(`INSERT INTO credential (id, name, type, data_encrypted) VALUES ('7', 'old', 'basic', '{"password":"p"}')`);
    const r = deps({ output: 'json' });
    await runKeyStatus({}, r.d);
    expect(JSON.parse(r.mem.stdout())).toEqual([
      { table: 'credential', provider: 'legacy', kid: null, kv: null, records: 1, current: false },
      { table: 'credential', provider: 'local', kid: 'env:NOETL_ENCRYPTION_KEY', kv: keys.current.kv, records: 1, current: true },
    ]);
  });

  it('rotate-key with no key configured seals legacy plaintext rows (from the Python server) under the new key', async () => {
    await store.query(`INSERT INTO credential (id, name, type, data_encrypted) VALUES ('7', 'old', 'basic', '{"password":"${SECRET}"}')`);
    const newBytes = randomBytes(32);
    const keyFile = join(dir, 'rotate-new.key');
    writeFileSync(keyFile, newBytes.toString('base64'), { mode: 0o600 });
    const r = deps({ output: 'json' });
    const noKey = createLocalClient({
      store,
      keys: async () => {
        throw new NoetlError('invalid', 'no master key configured', { reason: 'no-master-key' });
      },
    });
    await runRotateKey({ newKeyFile: keyFile, batchSize: 10 }, { ...r.d, verbose: false, client: async () => noKey });
    const report = JSON.parse(r.mem.stdout()) as { tables: { table: string; sealed: number }[] };
    expect(report.tables.find((t) => t.table === 'credential')!.sealed).toBe(1);
    const row = (await store.query<{ data_encrypted: string }>(`SELECT data_encrypted FROM credential WHERE name = 'old'`)).rows[0];
    expect(row.data_encrypted).not.toContain(SECRET);
    expect(isOnKey(row.data_encrypted, masterKey(newBytes, 'x'))).toBe(true);
    expect(r.info.at(-1)).toMatch(/^every record is on the new key [0-9a-f]{12}: from now on use it/);
  });

  it('rotate-key refuses a new key that is the current one', async () => {
    const keyFile = join(dir, 'same.key');
    writeFileSync(keyFile, keys.current.key.toString('base64'), { mode: 0o600 });
    const r = deps();
    await expect(
      runRotateKey({ newKeyFile: keyFile, batchSize: 10 }, { ...r.d, verbose: false }),
    ).rejects.toMatchObject({ code: 'invalid', message: expect.stringMatching(/^--new-key-file holds the current master key/) });
  });

  it('-o json of every credential and db command prints the snake_case wire types (no camelCase key)', async () => {
    const camel = (value: unknown): string[] =>
      value === null || typeof value !== 'object'
        ? []
        : Array.isArray(value)
          ? value.flatMap(camel)
          : Object.entries(value).flatMap(([k, v]) => [...(/[a-z][A-Z]/.test(k) ? [k] : []), ...camel(v)]);
    const json = async (run: (d: CredentialDeps) => Promise<unknown>, stdin?: string) => {
      const r = deps({ output: 'json', stdin });
      await run(r.d);
      return JSON.parse(r.mem.stdout()) as unknown;
    };
    const regDir = mkdtempSync(join(tmpdir(), 'noetl-cred-json-'));
    writeFileSync(join(regDir, 'r.json'), JSON.stringify({ name: 'reg', type: 'secret', data: { secret: SECRET } }));
    const keyFile = join(regDir, 'new.key');
    writeFileSync(keyFile, randomBytes(32).toString('base64'), { mode: 0o600 });
    const admin = createLocalClient({ store, keys: async () => keys }).admin!;
    const outputs: Record<string, unknown> = {
      add: await json((d) => runAdd(addOpts({ name: 'j', type: 'secret', data: '-' }), d), JSON.stringify({ secret: SECRET })),
      'add -f': await json((d) => runAdd(addOpts({ file: regDir }), d)),
      validate: await json((d) => runValidate({ path: regDir }, d)),
      get: await json((d) => runGet({ name: 'j', reveal: false }, d)),
      ls: await json((d) => runLs({ tags: [] }, d)),
      'key-status': await json((d) => runKeyStatus({}, d)),
      'rotate-key': await json((d) => runRotateKey({ newKeyFile: keyFile, batchSize: 10 }, { ...d, verbose: false })),
      rm: await json((d) => runRm({ name: 'reg', yes: true }, d)),
    };
    for (const [name, run] of Object.entries({
      'db migrate': (io: MemIO['io']) => runMigrate({ output: 'json' }, { io, admin, info: () => {} }),
      'db status': (io: MemIO['io']) => runStatus({ output: 'json', exitCode: false }, { io, admin }),
      'db info': (io: MemIO['io']) => runInfo({ output: 'json' }, { io, admin }),
    })) {
      const mem = memIO();
      await run(mem.io);
      outputs[name] = JSON.parse(mem.stdout());
    }
    for (const [name, output] of Object.entries(outputs)) expect(camel(output), name).toEqual([]);
    expect(outputs.get).toMatchObject({ name: 'j', created_at: expect.any(String), updated_at: expect.any(String), revealed: false });
    expect(outputs['add -f']).toMatchObject({ rolled_back: false, outcome: 'ok' });
    expect(outputs.rm).toMatchObject({ name: 'reg', deleted: true });
    expect(JSON.stringify(outputs)).not.toContain(SECRET);
  });

  it('rotate-key and key-status over a client with no admin group (a server) say they need a direct database', async () => {
    const { admin: _admin, ...remote } = createLocalClient({ store, keys: async () => keys });
    const r = deps();
    const d = { ...r.d, client: async () => remote };
    await expect(runKeyStatus({}, d)).rejects.toMatchObject({ code: 'invalid', message: 'credential key-status needs a direct database connection (not available over a server)' });
    await expect(runRotateKey({ batchSize: 10 }, { ...d, verbose: false })).rejects.toMatchObject({ code: 'invalid', message: 'credential rotate-key needs a direct database connection (not available over a server)' });
  });
});
