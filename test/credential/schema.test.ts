import { describe, expect, it } from 'vitest';
import { knownTypeSchema, knownTypeWarnings } from '../../src/core/credential-types.js';
import { checkSchema, isCompactSchema, schemaReport, validateAgainstSchema } from '../../src/core/schema.js';

const oauth2 = {
  fields: ['client_id', 'client_secret', 'token_url'],
  required: ['client_id', 'client_secret'],
  types: { client_id: 'string', client_secret: 'string', token_url: 'string' },
  description: 'OAuth2 client credentials for token-based authentication',
};

const postgres = {
  fields: ['db_host', 'db_port', 'db_user', 'db_password', 'db_name'],
  required: ['db_host', 'db_user', 'db_password', 'db_name'],
  types: { db_host: 'string', db_port: 'integer', db_user: 'string', db_password: 'string', db_name: 'string' },
};

describe('compact schema (seed 003 wording)', () => {
  it('accepts matching data', async () => {
    expect(await validateAgainstSchema({ client_id: 'a', client_secret: 'b' }, oauth2)).toEqual({ valid: true, errors: [], details: [] });
  });

  it('reports a missing required field with the Expected/Provided lines', async () => {
    const result = await validateAgainstSchema({ client_id: 'abc123', token_url: 'https://x' }, oauth2);
    expect(result.valid).toBe(false);
    expect(result.errors).toEqual(['Missing required field: client_secret']);
    expect(result.details).toEqual(['Expected fields: client_id, client_secret, token_url', 'Provided fields: client_id, token_url']);
  });

  it('reports a type mismatch in the seeds wording, without the value', async () => {
    const result = await validateAgainstSchema({ db_host: 'h', db_port: '5432', db_user: 'u', db_password: 'hunter2', db_name: 'd' }, postgres);
    expect(result.errors).toEqual(["Field 'db_port' must be integer, got string"]);
    expect(JSON.stringify(result)).not.toContain('5432');
    expect(JSON.stringify(result)).not.toContain('hunter2');
  });

  it('reports unexpected fields together, with the allowed ones', async () => {
    const result = await validateAgainstSchema({ client_id: 'a', client_secret: 'b', extra_field: 1, unknown_param: 2 }, oauth2);
    expect(result.errors).toEqual(['Unexpected fields: extra_field, unknown_param']);
    expect(schemaReport(result)).toContain('Allowed fields: client_id, client_secret, token_url');
  });

  it('reports every error at once', async () => {
    const result = await validateAgainstSchema({ db_port: 'x', other: true }, postgres);
    expect(result.errors).toEqual(
      expect.arrayContaining([
        'Missing required field: db_host',
        'Missing required field: db_user',
        'Missing required field: db_password',
        'Missing required field: db_name',
        "Field 'db_port' must be integer, got string",
        'Unexpected fields: other',
      ]),
    );
    expect(result.errors).toHaveLength(6);
  });

  it('treats booleans as not integers, and whole numbers as integers', async () => {
    const schema = { types: { n: 'integer', f: 'number', b: 'boolean' } };
    expect((await validateAgainstSchema({ n: true }, schema)).errors).toEqual(["Field 'n' must be integer, got boolean"]);
    expect((await validateAgainstSchema({ n: 3, f: 1.5, b: false }, schema)).valid).toBe(true);
    expect((await validateAgainstSchema({ n: 1.5 }, schema)).errors).toEqual(["Field 'n' must be integer, got number"]);
  });

  it('without fields, allows any extra field (as the seeds do)', async () => {
    expect((await validateAgainstSchema({ a: 1, zzz: 2 }, { required: ['a'] })).valid).toBe(true);
  });

  it('refuses a schema with an unknown type name', async () => {
    expect(await checkSchema({ fields: ['a'], types: { a: 'str' } })).toEqual([`Schema type of 'a' is "str": use one of string, integer, number, boolean, array, object`]);
    const result = await validateAgainstSchema({ a: 'x' }, { fields: ['a'], types: { a: 'str' } });
    expect(result.valid).toBe(false);
  });

  it('refuses required fields that are not in fields', async () => {
    expect(await checkSchema({ fields: ['a'], required: ['b'] })).toEqual(["Schema names fields that are not in 'fields': b"]);
  });

  it('tells the two forms apart', () => {
    expect(isCompactSchema(oauth2)).toBe(true);
    expect(isCompactSchema({ type: 'object', properties: {} })).toBe(false);
    expect(isCompactSchema({ description: 'only' })).toBe(false);
  });
});

describe('JSON Schema', () => {
  const schema = {
    type: 'object',
    properties: {
      url: { type: 'string', pattern: '^nats://' },
      port: { type: 'integer' },
      nested: { type: 'object', properties: { key: { type: 'string' } }, required: ['key'], additionalProperties: false },
    },
    required: ['url'],
    additionalProperties: false,
  };

  it('accepts valid data', async () => {
    expect((await validateAgainstSchema({ url: 'nats://x', nested: { key: 'k' } }, schema)).valid).toBe(true);
  });

  it('rewords ajv errors, with nested paths', async () => {
    const result = await validateAgainstSchema({ port: '4222', nested: { other: 1 }, extra: 2 }, schema);
    expect(result.errors).toEqual(
      expect.arrayContaining([
        'Missing required field: url',
        "Field 'port' must be integer, got string",
        'Missing required field: nested.key',
        'Unexpected fields: nested.other',
        'Unexpected fields: extra',
      ]),
    );
  });

  it('never quotes the value in a pattern error', async () => {
    const result = await validateAgainstSchema({ url: 'http://secret-host' }, schema);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatch(/^Field 'url' must match pattern/);
    expect(result.errors[0]).not.toContain('secret-host');
  });

  it('accepts 2020-12 schemas', async () => {
    const s = { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', required: ['a'] };
    expect((await validateAgainstSchema({}, s)).errors).toEqual(['Missing required field: a']);
  });

  it('reports an invalid JSON Schema as a schema problem', async () => {
    const problems = await checkSchema({ type: 'object', properties: { a: { type: 'nonsense' } } });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^Schema is not valid JSON Schema/);
  });

  it('two schemas with the same $id do not clash', async () => {
    const a = { $id: 'https://x/s', type: 'object', required: ['a'] };
    const b = { $id: 'https://x/s', type: 'object', required: ['b'] };
    expect((await validateAgainstSchema({}, a)).errors).toEqual(['Missing required field: a']);
    expect((await validateAgainstSchema({}, b)).errors).toEqual(['Missing required field: b']);
  });
});

describe('known credential types (warn only)', () => {
  it('accepts the alternative field names real files use', () => {
    const sf = { sf_account: 'a', sf_user: 'u', sf_password: 'p', sf_warehouse: 'w', sf_database: 'd' };
    expect(knownTypeWarnings('snowflake', sf)).toEqual([]);
    expect(knownTypeWarnings('postgres', { host: 'h', port: 5432, user: 'u', password: 'p', database: 'd' })).toEqual([]);
  });

  it('warns about what is missing, and about wrong types', () => {
    const warnings = knownTypeWarnings('postgres', { db_host: 'h', db_port: '5432' });
    expect(warnings[0]).toBe("type 'postgres' usually has db_user (or user, username); db_password (or password); db_name (or database, dbname), which this data lacks");
    expect(warnings).toContain("Field 'db_port' must be integer, got string");
  });

  it('says nothing about unknown types', () => {
    expect(knownTypeWarnings('kafka', {})).toEqual([]);
  });

  it('gives prompt fields for a known type', () => {
    expect(knownTypeSchema('basic')?.fields).toEqual(['username', 'password']);
    expect(knownTypeSchema('kafka')).toBeUndefined();
  });
});
