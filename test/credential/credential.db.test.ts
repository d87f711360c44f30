import { corpusDir, missingShared, sharedPath } from '../helpers/corpus.js';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { classifyStored, decodeMasterKey, type KeySet } from '../../src/core/envelope.js';
import type { CredentialsApi } from '../../src/api/credentials.js';
import { parseRegistration, readRegistrations } from '../../src/io/registrations.js';
import { getCredential } from '../../src/backends/local/credentials.js';
import { masterKey } from '../../src/backends/sql/keys.js';
import type { Store } from '../../src/backends/sql/store.js';
import { testClient, type TestClient } from '../helpers/client.js';

export const CORPUS = corpusDir('upstream-credentials');
const VECTORS_FILE = sharedPath('spec', 'envelope-vectors.json');
// shared/ may be absent (a clone without it): the tests that need it skip, and say so.
const noCorpus = missingShared(CORPUS);
const noVectors = missingShared(VECTORS_FILE);
const readVectors = () => JSON.parse(readFileSync(VECTORS_FILE, 'utf8')) as {
  kek_base64: string;
  vectors: { plaintext_json: unknown; stored: string }[];
  must_fail: { why: string; stored: string; kek_base64?: string }[];
};

const SECRET = 'sekr3t-Δ-value-0xC0FFEE';

function keys(): KeySet {
  return { current: masterKey(randomBytes(32), 'env:NOETL_ENCRYPTION_KEY'), previous: [] };
}

async function rowCount(store: Store): Promise<number> {
  return Number((await store.query<{ n: string }>('SELECT count(*)::text AS n FROM credential')).rows[0].n);
}

async function rejects(promise: Promise<unknown>): Promise<{ message: string; code: string; details: string[] }> {
  try {
    await promise;
  } catch (err) {
    const e = err as { message: string; code: string; details?: string[] };
    return { message: e.message, code: e.code, details: e.details ?? [] };
  }
  throw new Error('expected a rejection');
}

// One store for the file; every test starts with no credentials.
let store: Store;
let t: TestClient;
let credentials: CredentialsApi;
const k = keys();
beforeAll(async () => {
  t = await testClient({ keys: k });
  store = t.store;
  credentials = t.client.credentials;
});
beforeEach(async () => {
  await store.query('DELETE FROM credential');
});
afterAll(async () => {
  await t.close();
});

describe('credential store', () => {
  it('adds, reads back, lists and removes a credential; data is sealed at rest', async () => {
    const added = await credentials.add({
      name: 'pg_prod',
      type: 'postgres',
      data: { db_host: 'db', db_port: 5432, db_user: 'app', db_password: SECRET, db_name: 'prod' },
      description: 'production',
      tags: ['prod', 'db'],
      meta: { owner: 'ops' },
    });
    expect(added.replaced).toBe(false);
    expect(added.warnings).toEqual([]);
    expect(added.id).toMatch(/^[0-9]+$/);

    const row = (await store.query<{ data_encrypted: string }>('SELECT data_encrypted FROM credential WHERE name = $1', ['pg_prod'])).rows[0];
    expect(row.data_encrypted).not.toContain(SECRET);
    expect(row.data_encrypted).not.toContain('db_password');
    const form = classifyStored(row.data_encrypted);
    expect(form.kind).toBe('envelope');

    const got = await credentials.get('pg_prod', { reveal: true });
    expect(got.data).toEqual({ db_host: 'db', db_port: 5432, db_user: 'app', db_password: SECRET, db_name: 'prod' });
    expect(got.tags).toEqual(['prod', 'db']);
    expect(got.meta).toEqual({ owner: 'ops' });
    expect(got.legacy).toBe(false);

    expect((await credentials.list()).map((c) => c.name)).toEqual(['pg_prod']);
    expect(await credentials.list({ tags: ['prod'] })).toHaveLength(1);
    expect(await credentials.list({ tags: ['prod', 'nope'] })).toHaveLength(0);
    expect(await credentials.list({ type: 'oauth2' })).toHaveLength(0);

    await credentials.remove('pg_prod');
    expect(await rowCount(store)).toBe(0);
    expect((await rejects(credentials.remove('pg_prod'))).code).toBe('not_found');
  });

  it('refuses an existing name (exit 4) unless replace, which keeps the id', async () => {
    const first = await credentials.add({ name: 'a', type: 'secret', data: { secret: 'one' } });
    const err = await rejects(credentials.add({ name: 'a', type: 'secret', data: { secret: 'two' } }));
    expect(err.code).toBe('conflict');
    expect((await credentials.get('a', { reveal: true })).data).toEqual({ secret: 'one' });
    const second = await credentials.add({ name: 'a', type: 'secret', data: { secret: 'two' } }, { replace: true });
    expect(second.replaced).toBe(true);
    expect(second.id).toBe(first.id);
    expect((await credentials.get('a', { reveal: true })).data).toEqual({ secret: 'two' });
  });

  it('replace keeps description, tags, meta and schema left undefined, clears those given as null, and checks the kept schema', async () => {
    const schema = { required: ['secret'] };
    await credentials.add({ name: 'a', type: 'secret', data: { secret: 'one' }, description: 'd', tags: ['t'], meta: { owner: 'ops' }, schema });
    let replaced = await credentials.add({ name: 'a', type: 'secret', data: { secret: 'two' } }, { replace: true });
    expect(replaced).toMatchObject({ description: 'd', tags: ['t'], meta: { owner: 'ops' }, schema });
    const err = await rejects(credentials.add({ name: 'a', type: 'secret', data: { other: 'x' } }, { replace: true }));
    expect([err.code, err.message]).toEqual(['invalid', "credential 'a' does not match its schema: Missing required field: secret"]);
    expect((await credentials.get('a', { reveal: true })).data).toEqual({ secret: 'two' });
    replaced = await credentials.add({ name: 'a', type: 'secret', data: { other: 'x' }, tags: null, schema: null, description: 'new' }, { replace: true });
    expect(replaced).toMatchObject({ description: 'new', tags: [], meta: { owner: 'ops' }, schema: null });
  });

  it('validating registrations finds two files with one name, as an import would (with replace, the later wins)', async () => {
    const files = ['one.json', 'two.json'].map((f) => parseRegistration(JSON.stringify({ name: 'same', type: 'secret', data: { secret: f } }), f));
    const entries = (await credentials.validate(files)).entries;
    expect(entries.map((e) => e.status)).toEqual(['valid', 'conflict']);
    expect(entries[1].messages).toEqual(["two.json: credential 'same' is also defined in one.json: rename one, or import with replace (the later file wins)"]);
    expect(((await credentials.validate(files, { replace: true })).entries).map((e) => e.status)).toEqual(['not-loaded', 'valid']);
  });

  it('refuses data that fails its schema, with every error, and writes nothing', async () => {
    const schema = { fields: ['client_id', 'client_secret', 'token_url'], required: ['client_id', 'client_secret'], types: { client_id: 'string' } };
    const err = await rejects(credentials.add({ name: 'oa', type: 'oauth2', data: { client_id: 7, token_url: SECRET }, schema }));
    expect(err.code).toBe('invalid');
    expect(err.message).toBe("credential 'oa' does not match its schema: Missing required field: client_secret");
    expect(err.details).toEqual([
      'Missing required field: client_secret',
      "Field 'client_id' must be string, got integer",
      'Expected fields: client_id, client_secret, token_url',
      'Provided fields: client_id, token_url',
    ]);
    expect(JSON.stringify(err)).not.toContain(SECRET);
    expect(await rowCount(store)).toBe(0);
  });

  it('stores the schema and warns on read when data no longer matches it', async () => {
    await credentials.add({ name: 's', type: 'custom', data: { a: 'x' }, schema: { required: ['a'] } });
    await store.query(`UPDATE credential SET schema = '{"required": ["a", "b"]}'::jsonb`);
    const got = await credentials.get('s', { reveal: true });
    expect(got.warnings).toEqual(["credential 's' no longer matches its stored schema: Missing required field: b"]);
  });

  it('warns (never blocks) when a known type lacks its usual fields', async () => {
    const added = await credentials.add({ name: 'sf', type: 'snowflake', data: { login: 'x' } });
    expect(added.warnings[0]).toMatch(/^credential 'sf': type 'snowflake' usually has account/);
    expect(await rowCount(store)).toBe(1);
  });

  it.each([
    ['a name that is not an identifier', { name: 'bad name', type: 't', data: { a: 1 } }, /name 'bad name' is not valid/],
    ['a name starting with a dash', { name: '-x', type: 't', data: { a: 1 } }, /name '-x' is not valid/],
    ['a name over 128 characters', { name: 'n'.repeat(129), type: 't', data: { a: 1 } }, /is not valid/],
    ['a missing type', { name: 'n', type: '', data: { a: 1 } }, /a credential type is required/],
    ['empty data', { name: 'n', type: 't', data: {} }, /data is empty/],
    ['data that is not an object', { name: 'n', type: 't', data: 'text' }, /data must be a JSON object/],
    ['oversized data', { name: 'n', type: 't', data: { a: 'x'.repeat(300 * 1024) } }, /more than the 262144 allowed/],
    ['a bad tag', { name: 'n', type: 't', data: { a: 1 }, tags: ['has space'] }, /tag "has space" is not valid/],
    ['an invalid schema', { name: 'n', type: 't', data: { a: 1 }, schema: { fields: ['a'], types: { a: 'int' } } }, /its schema is invalid/],
  ])('refuses %s with exit 2 and writes nothing', async (_what, input, pattern) => {
    const err = await rejects(credentials.add(input as never));
    expect(err.code).toBe('invalid');
    expect(err.message).toMatch(pattern);
    expect(await rowCount(store)).toBe(0);
  });

  it('reports a missing credential with exit 3 and a suggestion', async () => {
    await credentials.add({ name: 'pg_prod', type: 'postgres', data: { db_host: 'h' } });
    const err = await rejects(credentials.get('pg_prd', { reveal: true }));
    expect(err.code).toBe('not_found');
    expect(err.message).toContain("did you mean 'pg_prod'?");
  });

  it.skipIf(noVectors)('opens rows sealed by the independent implementation (the known-answer vectors)', async () => {
    const VECTORS = readVectors();
    const kek = { current: masterKey(decodeMasterKey(VECTORS.kek_base64, 'vectors'), 'env:NOETL_ENCRYPTION_KEY'), previous: [] };
    for (const [i, v] of VECTORS.vectors.entries()) {
      await store.query(`INSERT INTO credential (id, name, type, data_encrypted) VALUES ($1, $2, 'vector', $3)`, [String(1000 + i), `vec_${i}`, v.stored]);
    }
    for (const [i, v] of VECTORS.vectors.entries()) {
      const got = await getCredential(store, kek, `vec_${i}`);
      expect(got.data).toEqual(v.plaintext_json);
      expect(got.legacy).toBe(false);
    }
  });

  it.skipIf(noVectors)('refuses every must_fail vector with a clear error naming the record (exit 1)', async () => {
    const VECTORS = readVectors();
    for (const [i, v] of VECTORS.must_fail.entries()) {
      await store.query(`INSERT INTO credential (id, name, type, data_encrypted) VALUES ($1, $2, 'vector', $3)`, [String(2000 + i), `bad_${i}`, v.stored]);
      // An entry with its own kek_base64 must fail with that key (the record was sealed under another one).
      const kek = { current: masterKey(decodeMasterKey(v.kek_base64 ?? VECTORS.kek_base64, 'vectors'), 'env:NOETL_ENCRYPTION_KEY'), previous: [] };
      const err = await rejects(getCredential(store, kek, `bad_${i}`));
      expect(err.code).toBe('unavailable');
      expect(err.message).toMatch(new RegExp(`^credential 'bad_${i}' could not be decrypted: `));
    }
  });

  it('reads a legacy plaintext row with a warning', async () => {
    await store.query(`INSERT INTO credential (id, name, type, data_encrypted) VALUES ('1', 'old', 'basic', '{"username":"u","password":"p"}')`);
    const got = await credentials.get('old', { reveal: true });
    expect(got.legacy).toBe(true);
    expect(got.data).toEqual({ username: 'u', password: 'p' });
    expect(got.warnings[0]).toMatch(/legacy plaintext/);
  });
});

describe('registration files and import', () => {
  it.skipIf(noCorpus)('registers every corpus file on its own', async () => {
    const files = readdirSync(CORPUS).sort();
    expect(files.length).toBeGreaterThanOrEqual(17);
    for (const f of files) {
      const { files: regs } = readRegistrations(join(CORPUS, f));
      expect(regs[0].error).toBeUndefined();
      const report = await credentials.import(regs, { replace: true });
      expect(report.outcome, f).toBe('ok');
      const name = regs[0].input!.name;
      const got = await credentials.get(name, { reveal: true });
      expect(got.data, f).toEqual((JSON.parse(readFileSync(join(CORPUS, f), 'utf8')) as { data: unknown }).data);
    }
  });

  it.skipIf(noCorpus)('imports the corpus directory in one transaction; the same name twice is a conflict unless --replace', async () => {
    const { files, skipped } = readRegistrations(CORPUS);
    expect(skipped).toEqual([]);
    const refused = await credentials.import(files);
    expect(refused.rolled_back).toBe(true);
    expect(refused.outcome).toBe('conflict');
    const clash = refused.entries.find((e) => e.status === 'conflict')!;
    expect(clash.file).toMatch(/google_oauth_local_user\.json\.example$/);
    expect(clash.messages[0]).toMatch(/also defined in .*google_oauth\.json\.example/);
    expect(await rowCount(store)).toBe(0);

    const loaded = await credentials.import(files, { replace: true });
    expect(loaded.outcome).toBe('ok');
    expect(loaded.entries.filter((e) => e.status === 'added')).toHaveLength(files.length - 1);
    expect(loaded.entries.filter((e) => e.status === 'not-loaded')).toHaveLength(1);
    expect(await rowCount(store)).toBe(files.length - 1);
    // Keys outside a registration (notes, account_info, …) are named, and never stored.
    const ib = loaded.entries.find((e) => e.file.endsWith('ib_oauth.json.example'))!;
    expect(ib.warnings[0]).toMatch(/not stored .*account_info, setup_instructions, oauth_flow, api_documentation/);
    const everything = JSON.stringify((await store.query('SELECT * FROM credential')).rows);
    expect(everything).not.toContain('YOUR_PAPER_TRADING_PASSWORD');
  });

  function dirWith(files: Record<string, string>): string {
    const dir = mkdtempSync(join(tmpdir(), 'noetl-cred-import-'));
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
    return dir;
  }

  it('imports registrations from subfolders at any depth', async () => {
    const dir = dirWith({
      'top.json': JSON.stringify({ name: 'top', type: 'secret', data: { secret: 't' } }),
      'sub/deeper/x.yaml': `name: deep\ntype: secret\ndata:\n  secret: ${SECRET}\n`,
    });
    const { files, skipped } = readRegistrations(dir);
    expect(skipped).toEqual([]);
    expect(files.map((f) => [f.file, f.input?.name])).toEqual([
      [join(dir, 'sub', 'deeper', 'x.yaml'), 'deep'],
      [join(dir, 'top.json'), 'top'],
    ]);
    const report = await credentials.import(files);
    expect(report.outcome).toBe('ok');
    expect(report.entries.map((e) => [e.name, e.status])).toEqual([
      ['deep', 'added'],
      ['top', 'added'],
    ]);
    expect((await credentials.get('deep', { reveal: true })).data).toEqual({ secret: SECRET });
    const row = (await store.query<{ data_encrypted: string }>('SELECT data_encrypted FROM credential WHERE name = $1', ['deep'])).rows[0];
    expect(classifyStored(row.data_encrypted).kind).toBe('envelope');
  });

  it('loads all or none: one bad file rolls the directory back; --continue-on-error loads the rest', async () => {
    const dir = dirWith({
      'a.json': JSON.stringify({ name: 'a', type: 'secret', data: { secret: 's' } }),
      'b.yaml': 'name: b\ntype: basic\ndata:\n  username: u\n  password: p\n',
      'c.json': '{"name": "c", "type": "secret", "data": {',
      'README.md': '# not a registration',
    });
    const { files, skipped } = readRegistrations(dir);
    expect(skipped).toEqual([join(dir, 'README.md')]);
    const refused = await credentials.import(files);
    expect(refused.outcome).toBe('invalid');
    expect(refused.entries.map((e) => e.status)).toEqual(['not-loaded', 'not-loaded', 'invalid']);
    expect(refused.entries[2].messages[0]).toMatch(/c\.json: invalid JSON: /);
    expect(await rowCount(store)).toBe(0);

    const partial = await credentials.import(files, { continueOnError: true });
    expect(partial.entries.map((e) => e.status)).toEqual(['added', 'added', 'invalid']);
    expect(partial.outcome).toBe('invalid');
    expect(await rowCount(store)).toBe(2);
  });

  it('rolls back when a name already exists in the database', async () => {
    await credentials.add({ name: 'b', type: 'secret', data: { secret: 'old' } });
    const dir = dirWith({
      'a.json': JSON.stringify({ name: 'a', type: 'secret', data: { secret: 's' } }),
      'b.json': JSON.stringify({ name: 'b', type: 'secret', data: { secret: 'new' } }),
    });
    const report = await credentials.import(readRegistrations(dir).files);
    expect(report.outcome).toBe('conflict');
    expect(report.rolled_back).toBe(true);
    expect(await rowCount(store)).toBe(1);
    expect((await credentials.get('b', { reveal: true })).data).toEqual({ secret: 'old' });
  });

  it('imports thousands of registrations in one transaction, each with its own id', async () => {
    const files = Array.from({ length: 2500 }, (_, i) => parseRegistration(JSON.stringify({ name: `bulk_${i}`, type: 'secret', data: { secret: `s${i}` } }), `bulk_${i}.json`));
    const report = await credentials.import(files);
    expect(report.outcome).toBe('ok');
    const ids = await store.query<{ n: string; d: string }>('SELECT count(*)::text AS n, count(DISTINCT id)::text AS d FROM credential');
    expect(ids.rows[0]).toEqual({ n: '2500', d: '2500' });
  });

  it('validates without storing', async () => {
    const dir = dirWith({
      'ok.json': JSON.stringify({ name: 'ok', type: 'x', data: { a: 1 } }),
      'bad.json': JSON.stringify({ name: 'bad', type: 'x', data: { a: 1 }, schema: { required: ['b'] } }),
    });
    const entries = (await credentials.validate(readRegistrations(dir).files)).entries;
    expect(entries.map((e) => [e.name, e.status])).toEqual([
      ['bad', 'invalid'],
      ['ok', 'valid'],
    ]);
    expect(entries[0].messages).toEqual([expect.stringMatching(/does not match its schema: Missing required field: b$/), 'Expected fields: b', 'Provided fields: a']);
    expect(await rowCount(store)).toBe(0);
  });

  it('refuses a registration that is not a mapping or has no data', () => {
    const dir = dirWith({ 'list.json': '[1,2]', 'nodata.yaml': 'name: x\ntype: y\n', 'empty.json': '' });
    const { files } = readRegistrations(dir);
    expect(files.map((f) => f.error)).toEqual([
      expect.stringMatching(/empty\.json: file is empty/),
      expect.stringMatching(/list\.json: expected a mapping/),
      expect.stringMatching(/nodata\.yaml: no 'data'/),
    ]);
  });

  it('is not found (exit 3) to name a path that does not exist', () => {
    expect(() => readRegistrations('/nonexistent/creds')).toThrow(expect.objectContaining({ code: 'not_found', message: expect.stringMatching(/does not exist/) }));
  });
});
