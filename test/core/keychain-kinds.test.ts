import { describe, expect, it } from 'vitest';
import {
  checkEntryFields,
  findKeychainKind,
  KEYCHAIN_COMMON_KEYS,
  KEYCHAIN_KIND_NAMES,
  KEYCHAIN_KINDS,
  SECRET_PROVIDERS,
  type KeychainFetchIO,
  type TokenRequest,
} from '../../src/core/keychain-kinds/index.js';
import { defaultProviders } from '../../src/backends/local/renew/providers/index.js';

/** The I/O a fetch is given, answering from tables and recording what was asked. */
function recordingIO() {
  const calls: string[] = [];
  const io: KeychainFetchIO = {
    async credential(name) {
      calls.push(`credential ${name}`);
      if (name === 'sa') return { type: 'service_account', data: { client_email: 'sa@p.iam', private_key: '-----BEGIN PRIVATE KEY-----' } };
      return { type: 'bearer', data: { access_token: `stored-${name}` } };
    },
    async tokenRequest(request: TokenRequest, { requireTokenField }) {
      calls.push(`${request.method} ${request.endpoint} requireTokenField=${requireTokenField}`);
      return { tokenData: { access_token: 'fresh', expires_in: 120 }, ttlSeconds: 120 };
    },
    async secret(provider, path, auth) {
      calls.push(`${provider} ${path} auth=${JSON.stringify(auth)}`);
      return `value-of-${path}`;
    },
    async googleIdToken(serviceAccount, audience) {
      calls.push(`id token ${String(serviceAccount.client_email)} for ${audience}`);
      return { idToken: 'eyJ.id.token', ttlSeconds: 3600 };
    },
  };
  return { io, calls };
}

const kind = (name: string) => findKeychainKind(name)!;

describe('the keychain-kind registry', () => {
  it('lists each kind once, aliases after their kind, and knows every spelling', () => {
    expect(KEYCHAIN_KIND_NAMES).toEqual(['secret_manager', 'secrets', 'oauth2', 'http', 'credential', 'credential_ref', 'google_oauth', 'google_service_account', 'google', 'static', 'bearer', 'google_id_token']);
    expect(new Set(KEYCHAIN_KIND_NAMES).size).toBe(KEYCHAIN_KIND_NAMES.length);
    expect(kind('secrets')).toBe(kind('secret_manager'));
    for (const upstream of ['credential_ref', 'google_oauth', 'google_service_account', 'google']) expect(kind(upstream)).toBe(kind('credential'));
    expect(findKeychainKind('kerberos_ticket')).toBeUndefined();
  });

  it('is consistent in every kind: requirements, aliases and credential keys name keys the kind reads', () => {
    for (const k of KEYCHAIN_KINDS) {
      const reads = new Set([...KEYCHAIN_COMMON_KEYS, ...k.keys]);
      for (const r of k.required) for (const key of [...r.anyOf, ...(r.when ? [r.when] : [])]) expect(reads.has(key), `${k.id}: ${key}`).toBe(true);
      for (const [alias, key] of Object.entries(k.keyAliases ?? {})) {
        expect(reads.has(key), `${k.id}: alias ${alias} → ${key}`).toBe(true);
        expect(reads.has(alias), `${k.id}: alias ${alias} is itself a key`).toBe(false);
      }
      for (const key of k.credentialKeys ?? []) expect(reads.has(key), `${k.id}: ${key}`).toBe(true);
      expect(k.renewal === 'renew_config', `${k.id}: renewConfig`).toBe(k.renewConfig !== undefined);
      if (k.providers) expect(k.keys).toContain('provider');
    }
  });

  it('renews oauth2 and http from their request, google_id_token by minting, nothing else', () => {
    expect(Object.fromEntries(KEYCHAIN_KINDS.map((k) => [k.id, k.renewal ?? null]))).toEqual({
      secret_manager: null,
      oauth2: 'renew_config',
      http: 'renew_config',
      credential: null,
      static: null,
      bearer: null,
      google_id_token: 'mint',
    });
  });

  it('has a client for each secret provider it lists, and lists each client there is', () => {
    expect(SECRET_PROVIDERS).toEqual(['gcp', 'aws', 'azure']);
    expect(Object.keys(defaultProviders()).sort()).toEqual([...SECRET_PROVIDERS].sort());
  });

  it('checks rendered fields with the words lint uses', () => {
    expect(() => checkEntryFields(kind('static'), { value: 'abc' })).toThrow('needs `map` (output field → value)');
    expect(() => checkEntryFields(kind('static'), { map: {} })).toThrow('`map` must be a non-empty mapping of output field → value');
    expect(() => checkEntryFields(kind('secrets'), { provider: 'vault', map: { a: 'p' } })).toThrow("unknown secret provider 'vault' (one of gcp, aws, azure)");
    expect(() => checkEntryFields(kind('secrets'), { provider: 'gpc', map: { a: 'p' } })).toThrow("unknown secret provider 'gpc'; did you mean 'gcp'? (one of gcp, aws, azure)");
    expect(() => checkEntryFields(kind('bearer'), { credential: 'x' })).toThrow('needs `token`');
    expect(() => checkEntryFields(kind('google_id_token'), { target_audience: 'https://a', service_account_secret: 'projects/1/secrets/s' })).toThrow(
      'reads `service_account_secret` from a secret manager and needs `auth` to reach it',
    );
    expect(() => checkEntryFields(kind('credential'), { ref: 'pg' })).not.toThrow();
    // Upstream reads the credential's name from ref, credential, or else the entry's name.
    expect(() => checkEntryFields(kind('credential'), {})).not.toThrow();
  });

  it('fetches through the I/O it is given', async () => {
    const { io, calls } = recordingIO();
    const fetch = (name: string, fields: Record<string, unknown>, autoRenew = false) => kind(name).fetch({ name: 'e', fields, autoRenew }, io);

    expect(await fetch('bearer', { token: 't-1' })).toEqual({ data: { access_token: 't-1', token_type: 'Bearer' }, credentialType: 'bearer', cacheType: 'token' });
    expect(await fetch('static', { map: { a: 'b' } })).toEqual({ data: { a: 'b' }, credentialType: 'static', cacheType: 'secret' });
    expect(await fetch('credential', { ref: 'pg' })).toEqual({ data: { access_token: 'stored-pg' }, credentialType: 'bearer', cacheType: 'secret' });
    await fetch('google_oauth', { ref: 'by_ref', credential: 'not_this' });
    await fetch('credential_ref', {});
    expect((await fetch('secrets', { provider: 'aws', auth: 'aws_auth', map: { k: 'arn:x' } })).data).toEqual({ k: 'value-of-arn:x' });
    await fetch('oauth2', { endpoint: 'https://a/token' });
    await fetch('http', { endpoint: 'https://a/init', method: 'get' });
    await fetch('http', { endpoint: 'https://a/init' }, true);
    expect(calls).toEqual([
      'credential pg',
      'credential by_ref',
      'credential e',
      'credential aws_auth',
      'aws arn:x auth={"access_token":"stored-aws_auth"}',
      // A renewal takes the token from token_field: so does the first fetch of what will be renewed.
      'POST https://a/token requireTokenField=true',
      'get https://a/init requireTokenField=false',
      'POST https://a/init requireTokenField=true',
    ]);
  });

  it('mints a google_id_token that expires a refresh margin early only when it auto-renews', async () => {
    const { io, calls } = recordingIO();
    const fields = { target_audience: 'https://svc', service_account_credential: 'sa' };
    const plain = await kind('google_id_token').fetch({ name: 'e', fields, autoRenew: false }, io);
    const renewing = await kind('google_id_token').fetch({ name: 'e', fields, autoRenew: true }, io);
    expect(plain).toMatchObject({ data: { id_token: 'eyJ.id.token', token_type: 'Bearer', target_audience: 'https://svc' }, ttlSeconds: 3600 });
    expect(renewing.ttlSeconds).toBe(3240);
    expect(calls).toEqual(['credential sa', 'id token sa@p.iam for https://svc', 'credential sa', 'id token sa@p.iam for https://svc']);
  });

  it('describes an entry for a plan with the preview it is given', async () => {
    const preview = async (v: unknown) => `<${String(v)}>`;
    expect(await kind('oauth2').describe({ endpoint: 'https://a/token', auto_renew: true }, preview, 'e')).toBe('POST <https://a/token> (auto-renew)');
    expect(await kind('http').describe({ endpoint: 'https://a/init', method: 'get' }, preview, 'e')).toBe('GET <https://a/init>');
    expect(await kind('credential').describe({ ref: 'pg' }, preview, 'e')).toBe('credential <pg>');
    expect(await kind('google').describe({}, preview, 'google_oauth')).toBe('credential <google_oauth>');
    expect(await kind('secrets').describe({ provider: 'gcp', auth: 'g', map: { k: 'p' } }, preview, 'e')).toBe('gcp secrets: k ← <p> (auth <g>)');
  });
});
