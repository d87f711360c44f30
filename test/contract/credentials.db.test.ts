import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CredentialRegistration } from '../../src/api/credentials.js';
import { seal } from '../../src/core/envelope.js';
import { fails } from '../helpers/errors.js';
import { testBackend } from '../helpers/backend.js';
import { testClient, type TestClient } from '../helpers/client.js';

const SECRET = 'c0ntract-s3cret-Δ';
/** Larger than 2^53: exact only as a string. */
const BIG_ID = '9223372036854775807';

const registration = (file: string, input: CredentialRegistration['input']): CredentialRegistration => ({ file, input, ignored: [] });

describe(`credentials contract (${testBackend()})`, () => {
  let t: TestClient;
  beforeAll(async () => {
    t = await testClient();
  });
  beforeEach(async () => {
    await t.store.query('DELETE FROM credential');
  });
  afterAll(async () => {
    await t.close();
  });

  it('add answers the stored record in the wire shape (snake_case, id a string, RFC 3339 times), never the data', async () => {
    const added = await t.client.credentials.add({ name: 'pg', type: 'postgres', data: { db_password: SECRET }, tags: 'a,b', description: 'd', meta: { owner: 'ops' } });
    expect(Object.keys(added).sort()).toEqual(['created_at', 'description', 'id', 'meta', 'name', 'replaced', 'schema', 'tags', 'type', 'updated_at', 'warnings']);
    expect(added).toMatchObject({ name: 'pg', type: 'postgres', tags: ['a', 'b'], description: 'd', meta: { owner: 'ops' }, schema: null, replaced: false });
    expect(added.id).toMatch(/^[0-9]{1,19}$/);
    expect(added.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    // A known type's missing fields warn as data; the layer prints nothing.
    expect(added.warnings).toEqual([expect.stringContaining("credential 'pg'")]);
    expect(JSON.stringify(added)).not.toContain(SECRET);
  });

  it('get masks every value unless reveal: no character of a secret, a stable fingerprint per value', async () => {
    await t.client.credentials.add({ name: 'k', type: 'secret', data: { token: SECRET, again: SECRET, nested: { n: 7 } } });
    const masked = await t.client.credentials.get('k');
    expect(masked.revealed).toBe(false);
    expect(JSON.stringify(masked)).not.toContain(SECRET);
    // Every value is a fingerprint alone: no character and no length of the secret.
    expect(masked.data.token).toMatch(/^\*{4}#[0-9a-f]{8}$/);
    expect(masked.data.again).toBe(masked.data.token);
    expect((masked.data.nested as { n: string }).n).toMatch(/^\*{4}#[0-9a-f]{8}$/);
    expect((await t.client.credentials.get('k')).data).toEqual(masked.data);
    const clear = await t.client.credentials.get('k', { reveal: true });
    expect(clear).toMatchObject({ revealed: true, legacy: false, warnings: [], data: { token: SECRET, again: SECRET, nested: { n: 7 } } });
  });

  it('find names a credential by id (all digits: the id first) or by name, never with its data; undefined when none', async () => {
    const pg = await t.client.credentials.add({ name: 'pg', type: 'postgres', data: { db_password: SECRET } });
    const digits = await t.client.credentials.add({ name: pg.id.slice(0, 5), type: 'secret', data: { token: SECRET } });
    const { warnings: _pg, replaced: _r, ...pgSummary } = pg;
    expect(await t.client.credentials.find('pg')).toEqual(pgSummary);
    expect(await t.client.credentials.find(pg.id)).toEqual(pgSummary);
    // All digits and no such id: a name of digits.
    expect(await t.client.credentials.find(digits.name)).toMatchObject({ id: digits.id, name: digits.name });
    expect(await t.client.credentials.find('nope')).toBeUndefined();
    expect(await t.client.credentials.find(BIG_ID)).toBeUndefined();
    expect(JSON.stringify(await t.client.credentials.find('pg'))).not.toContain(SECRET);
  });

  it('add of an existing name is conflict (hint: replace); replace keeps the id and what is not given', async () => {
    const first = await t.client.credentials.add({ name: 'a', type: 'secret', data: { secret: 'one' }, description: 'kept' });
    const err = await fails(t.client.credentials.add({ name: 'a', type: 'secret', data: { secret: 'two' } }));
    expect(err.code).toBe('conflict');
    expect(err.hint).toMatchObject({ option: 'replace' });
    expect(err.message).not.toContain('--');
    const second = await t.client.credentials.add({ name: 'a', type: 'secret', data: { secret: 'two' } }, { replace: true });
    expect(second).toMatchObject({ id: first.id, replaced: true, description: 'kept' });
  });

  it('invalid input is invalid with details, and writes nothing', async () => {
    for (const input of [
      { name: 'bad name', type: 'x', data: { a: 1 } },
      { name: 'n', type: 'x', data: [] },
      { name: 'n', type: 'x', data: {} },
      { name: 'n', type: 'x', data: { a: 1 }, schema: { required: ['b'] } },
    ]) {
      const err = await fails(t.client.credentials.add(input));
      expect(err.code, JSON.stringify(input)).toBe('invalid');
    }
    const err = await fails(t.client.credentials.add({ name: 'n', type: 'x', data: { a: 1 }, schema: { required: ['b'] } }));
    expect(err.details).toEqual(['Missing required field: b', 'Expected fields: b', 'Provided fields: a']);
    expect(await t.client.credentials.list()).toEqual([]);
  });

  it('get and remove of a missing name are not_found with a did-you-mean and a hint; exists says so without data', async () => {
    await t.client.credentials.add({ name: 'pg_prod', type: 'secret', data: { secret: 's' } });
    const err = await fails(t.client.credentials.get('pg_prd'));
    expect(err.code).toBe('not_found');
    expect(err.message).toBe("credential 'pg_prd' not found (did you mean 'pg_prod'?)");
    expect(err.hint).toEqual({ command: 'credential ls' });
    expect((await fails(t.client.credentials.remove('nope'))).code).toBe('not_found');
    expect(await t.client.credentials.exists('pg_prod')).toBe(true);
    expect(await t.client.credentials.exists('nope')).toBe(false);
  });

  it('list filters by type and every tag, and remove answers what it deleted', async () => {
    await t.client.credentials.add({ name: 'b', type: 'basic', data: { username: 'u', password: SECRET }, tags: ['prod', 'db'] });
    await t.client.credentials.add({ name: 'a', type: 'secret', data: { secret: SECRET }, tags: ['prod'] });
    expect((await t.client.credentials.list()).map((c) => c.name)).toEqual(['a', 'b']);
    expect((await t.client.credentials.list({ tags: ['prod', 'db'] })).map((c) => c.name)).toEqual(['b']);
    expect((await t.client.credentials.list({ type: 'secret' })).map((c) => c.name)).toEqual(['a']);
    expect(await t.client.credentials.list({ type: 'nope' })).toEqual([]);
    expect(JSON.stringify(await t.client.credentials.list())).not.toContain(SECRET);
    const id = (await t.client.credentials.list({ type: 'secret' }))[0].id;
    expect(await t.client.credentials.remove('a')).toEqual({ id, name: 'a', deleted: true });
    expect(await t.client.credentials.exists('a')).toBe(false);
  });

  it('carries a 64-bit id exactly', async () => {
    await t.store.query(`INSERT INTO credential (id, name, type, data_encrypted) VALUES (${BIG_ID}, 'big', 'secret', $1)`, [seal({ secret: SECRET }, t.keys.current)]);
    expect((await t.client.credentials.list())[0].id).toBe(BIG_ID);
    expect((await t.client.credentials.get('big')).id).toBe(BIG_ID);
    expect(await t.client.credentials.remove('big')).toEqual({ id: BIG_ID, name: 'big', deleted: true });
  });

  it('validate checks registrations as an import would, storing nothing', async () => {
    const regs = [
      registration('one.json', { name: 'same', type: 'secret', data: { secret: '1' } }),
      registration('two.json', { name: 'same', type: 'secret', data: { secret: '2' } }),
      { file: 'broken.json', ignored: [], error: 'broken.json: line 1: unexpected end' },
    ];
    const report = await t.client.credentials.validate(regs);
    expect(report.outcome).toBe('invalid');
    expect(report.entries.map((e) => e.status)).toEqual(['valid', 'conflict', 'invalid']);
    expect((await t.client.credentials.validate(regs.slice(0, 2), { replace: true })).entries.map((e) => e.status)).toEqual(['not-loaded', 'valid']);
    expect(await t.client.credentials.list()).toEqual([]);
  });

  it('import is all or none; continueOnError loads the valid ones; a stored name is a conflict unless replace', async () => {
    const good = registration('good.json', { name: 'good', type: 'secret', data: { secret: SECRET } });
    const bad = registration('bad.json', { name: 'bad', type: 'secret', data: { a: 1 }, schema: { required: ['b'] } });
    let report = await t.client.credentials.import([good, bad]);
    expect(report).toMatchObject({ rolled_back: true, outcome: 'invalid' });
    expect(report.entries.map((e) => e.status)).toEqual(['not-loaded', 'invalid']);
    expect(await t.client.credentials.list()).toEqual([]);

    report = await t.client.credentials.import([good, bad], { continueOnError: true });
    expect(report).toMatchObject({ rolled_back: false, outcome: 'invalid' });
    expect(report.entries.map((e) => e.status)).toEqual(['added', 'invalid']);

    const other = registration('other.json', { name: 'other', type: 'secret', data: { secret: 'o' } });
    report = await t.client.credentials.import([other, good]);
    expect(report).toMatchObject({ rolled_back: true, outcome: 'conflict' });
    expect(report.entries.map((e) => e.status)).toEqual(['not-loaded', 'conflict']);
    expect(await t.client.credentials.exists('other')).toBe(false);

    report = await t.client.credentials.import([other, good], { replace: true });
    expect(report).toMatchObject({ rolled_back: false, outcome: 'ok' });
    expect(report.entries.map((e) => e.status)).toEqual(['added', 'replaced']);
    expect((await t.client.credentials.get('good', { reveal: true })).data).toEqual({ secret: SECRET });
  });
});
