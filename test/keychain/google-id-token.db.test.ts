import { createVerify, generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { KeySet } from '../../src/core/envelope.js';
import { addCredential } from '../../src/backends/local/credentials.js';
import { listKeychainEntries } from '../../src/backends/sql/keychain.js';
import { defaultProviders } from '../../src/backends/local/renew/providers/index.js';
import { resolveKeychain } from '../../src/backends/local/keychain-resolve.js';
import type { Store } from '../../src/backends/sql/store.js';
import { fakeClock, testStore } from '../helpers/store.js';
import { registerTestPlaybook, testKeys } from './fixtures.js';

const EXEC = '518508477736551392';
const AUDIENCE = 'https://pcc-client-proxy.example.run.app';
const SA_EMAIL = 'interop@p.iam.gserviceaccount.com';
const GCP_ACCESS_TOKEN = 'gcp-access-token';
const SECRET_PATH = 'projects/1014428265962/secrets/interop-sa/versions/latest';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const encode = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

function serviceAccountKey(tokenUri = 'http://127.0.0.1:9/token') {
  return {
    type: 'service_account',
    project_id: 'p',
    client_email: SA_EMAIL,
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    token_uri: tokenUri,
  };
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/**
 * Google's token endpoint for the JWT bearer grant with a target_audience: checks the
 * assertion's RS256 signature and claims, answers {id_token} (a JWT for the audience, 1 h).
 */
async function startGoogleTokenEndpoint() {
  let requests = 0;
  const audiences: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      requests += 1;
      res.setHeader('Content-Type', 'application/json');
      const form = new URLSearchParams(body);
      const [header, claims, signature] = (form.get('assertion') ?? '').split('.');
      const valid = Boolean(signature) && createVerify('RSA-SHA256').update(`${header}.${claims}`).verify(publicKey, signature, 'base64url');
      const payload = valid ? (JSON.parse(Buffer.from(claims, 'base64url').toString()) as Record<string, unknown>) : {};
      if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer' || !valid || payload.iss !== SA_EMAIL || typeof payload.target_audience !== 'string') {
        res.writeHead(400).end(JSON.stringify({ error: 'invalid_grant', error_description: 'Invalid JWT Signature.' }));
        return;
      }
      audiences.push(payload.target_audience);
      const iat = Math.floor(Date.now() / 1000);
      const idToken = `${encode({ alg: 'RS256', typ: 'JWT' })}.${encode({ iss: 'https://accounts.google.com', aud: payload.target_audience, email: SA_EMAIL, iat, exp: iat + 3600 })}.${randomBytes(16).toString('base64url')}`;
      res.writeHead(200).end(JSON.stringify({ id_token: idToken }));
    });
  });
  const url = await listen(server);
  return { url: `${url}/token`, requests: () => requests, audiences: () => audiences, stop: () => new Promise<void>((r) => server.close(() => r())) };
}

/** Secret Manager on 127.0.0.1 holding the service-account key JSON. */
async function startSecretManager(secretText: string) {
  const server = createServer((req, res) => {
    res.setHeader('Content-Type', 'application/json');
    if (req.headers.authorization !== `Bearer ${GCP_ACCESS_TOKEN}`) res.writeHead(401).end(JSON.stringify({ error: { status: 'UNAUTHENTICATED' } }));
    else if (req.url !== `/v1/${SECRET_PATH}:access`) res.writeHead(404).end(JSON.stringify({ error: { status: 'NOT_FOUND' } }));
    else res.writeHead(200).end(JSON.stringify({ payload: { data: Buffer.from(secretText).toString('base64') } }));
  });
  const url = await listen(server);
  return { url, stop: () => new Promise<void>((r) => server.close(() => r())) };
}

/** The corpus's two modes (google_id_token_comparison_test.yaml). */
const PLAYBOOK = `apiVersion: noetl.io/v2
kind: Playbook
metadata:
  name: google_id_token_test
  path: fixtures/playbooks/keychain/google_id_token
workload:
  gcp_auth: google_oauth
  service_account_secret_path: ${SECRET_PATH}
  service_account_credential_name: interop_sa
  target_service_url: ${AUDIENCE}
keychain:
  - name: id_token_from_secret_manager
    kind: google_id_token
    scope: global
    auto_renew: true
    auth: "{{ gcp_auth }}"
    service_account_secret: "{{ service_account_secret_path }}"
    target_audience: "{{ target_service_url }}"
  - name: id_token_from_credential
    kind: google_id_token
    scope: global
    auto_renew: true
    service_account_credential: "{{ service_account_credential_name }}"
    target_audience: "{{ target_service_url }}"
`;

describe('keychain kind google_id_token', () => {
  let google: Awaited<ReturnType<typeof startGoogleTokenEndpoint>>;
  let secrets: Awaited<ReturnType<typeof startSecretManager>>;
  let store: Store;
  let keys: KeySet;
  let clock: ReturnType<typeof fakeClock>;
  let catalogId: string;

  beforeAll(async () => {
    google = await startGoogleTokenEndpoint();
    // The key's own token_uri is unreachable: the overridden endpoint must be the one used.
    secrets = await startSecretManager(JSON.stringify(serviceAccountKey()));
  });
  afterAll(async () => {
    await Promise.all([google.stop(), secrets.stop()]);
  });
  beforeEach(async () => {
    clock = fakeClock(new Date());
    store = await testStore({ clock });
    keys = testKeys();
    catalogId = await registerTestPlaybook(store, PLAYBOOK);
    await addCredential(store, keys, { name: 'interop_sa', type: 'service_account', data: serviceAccountKey() });
    await addCredential(store, keys, { name: 'google_oauth', type: 'bearer', data: { access_token: GCP_ACCESS_TOKEN } });
  });
  afterEach(async () => {
    await store.close();
  });

  const resolve = (overrides: Partial<Parameters<typeof resolveKeychain>[2]> = {}) =>
    resolveKeychain(store, keys, {
      playbook: PLAYBOOK,
      catalogId,
      executionId: EXEC,
      providers: defaultProviders({ gcpSecretManager: secrets.url, gcpToken: google.url }),
      ...overrides,
    });

  it('plans both modes on a dry run', async () => {
    const plan = await resolveKeychain(store, undefined, { playbook: PLAYBOOK, catalogId, executionId: EXEC, dryRun: true, providers: defaultProviders() });
    expect(plan.entries.map((e) => e.source)).toEqual([
      `Google ID token for ${AUDIENCE}, service account from gcp secret ${SECRET_PATH} (auth google_oauth)`,
      `Google ID token for ${AUDIENCE}, service account from credential interop_sa`,
    ]);
  });

  it('mints an ID token for the audience from a key in Secret Manager or the credential table, serves it cached, mints anew before it expires', async () => {
    const before = google.requests();
    const first = await resolve();
    expect(first.entries.map((e) => [e.name, e.status, e.error])).toEqual([
      ['id_token_from_secret_manager', 'fetched', undefined],
      ['id_token_from_credential', 'fetched', undefined],
    ]);
    expect(google.requests() - before).toBe(2);
    expect(google.audiences().slice(-2)).toEqual([AUDIENCE, AUDIENCE]);
    for (const name of ['id_token_from_secret_manager', 'id_token_from_credential']) {
      const data = first.keychain[name];
      expect(data).toMatchObject({ token_type: 'Bearer', target_audience: AUDIENCE });
      const claims = JSON.parse(Buffer.from(String(data.id_token).split('.')[1], 'base64url').toString()) as { aud: string };
      expect(claims.aud).toBe(AUDIENCE);
    }
    // Stored sealed, expiring a refresh margin (10% of 1 h) before the token does.
    const entries = await listKeychainEntries(store, {}, store.now());
    expect(entries.map((e) => [e.keychain_name, e.credential_type, e.cache_type])).toEqual([
      ['id_token_from_credential', 'google_id_token', 'token'],
      ['id_token_from_secret_manager', 'google_id_token', 'token'],
    ]);
    expect(new Date(entries[0].expires_at).getTime() - clock().getTime()).toBe(3240_000);

    const cached = await resolve();
    expect(cached.entries.map((e) => e.status)).toEqual(['cached', 'cached']);
    expect(google.requests() - before).toBe(2);
    expect(cached.keychain.id_token_from_credential).toEqual(first.keychain.id_token_from_credential);

    clock.advance(3240_000);
    const again = await resolve();
    expect(again.entries.map((e) => e.status)).toEqual(['fetched', 'fetched']);
    expect(google.requests() - before).toBe(4);
    expect(again.keychain.id_token_from_credential.id_token).not.toBe(first.keychain.id_token_from_credential.id_token);
  });

  it('auto_renew has an effect, as lint says it does on this kind: only with it does the entry expire a refresh margin early', async () => {
    const withoutRenew = PLAYBOOK.replace(/    auto_renew: true\n/g, '');
    const { lintText } = await import('../../src/lint/lint.js');
    expect(lintText('p.yaml', PLAYBOOK).filter((f) => f.ruleId === 'keychain-auto-renew')).toEqual([]);
    await resolve({ playbook: withoutRenew });
    const entries = await listKeychainEntries(store, {}, store.now());
    // The token's whole lifetime (1 h): nothing renews it before it expires.
    expect(entries.map((e) => [e.keychain_name, new Date(e.expires_at).getTime() - clock().getTime(), e.auto_renew])).toEqual([
      ['id_token_from_credential', 3600_000, false],
      ['id_token_from_secret_manager', 3600_000, false],
    ]);
    await store.query('DELETE FROM keychain');
    await resolve();
    // With auto_renew: 10% of the lifetime early, so the next resolve mints a new one before it expires.
    expect((await listKeychainEntries(store, {}, store.now())).map((e) => new Date(e.expires_at).getTime() - clock().getTime())).toEqual([3240_000, 3240_000]);
  });

  it('fails an entry with a clear reason, never a secret: a key the endpoint refuses, or no target_audience', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    await store.query('DELETE FROM credential WHERE name = $1', ['interop_sa']);
    await addCredential(store, keys, { name: 'interop_sa', type: 'service_account', data: { ...serviceAccountKey(), private_key: other } });
    const result = await resolve({ workload: { target_service_url: '' } });
    expect(result.entries[0].error).toBe("KEYCHAIN: Entry 'id_token_from_secret_manager' (google_id_token): needs target_audience: the URL of the service the token is for");
    const refused = await resolve();
    expect(refused.entries[1].status).toBe('failed');
    expect(refused.entries[1].error).toBe(`KEYCHAIN: Entry 'id_token_from_credential' (google_id_token): gcp: HTTP 400 invalid_grant for a Google ID token of ${SA_EMAIL}`);
    expect(refused.entries[1].error).not.toContain('PRIVATE KEY');
  });

  it('reads the token endpoint from the key when not overridden, and says what is missing in a non-key credential', async () => {
    await store.query('DELETE FROM credential WHERE name = $1', ['interop_sa']);
    await addCredential(store, keys, { name: 'interop_sa', type: 'service_account', data: { service_account_json: JSON.stringify(serviceAccountKey(google.url)) } });
    const viaKey = await resolve({ providers: defaultProviders({ gcpSecretManager: secrets.url }) });
    expect(viaKey.entries[1]).toMatchObject({ status: 'fetched' });
    await store.query('DELETE FROM credential WHERE name = $1', ['interop_sa']);
    await addCredential(store, keys, { name: 'interop_sa', type: 'secret', data: { secret: 'not a key' } });
    await store.query('DELETE FROM keychain');
    const notKey = await resolve();
    expect(notKey.entries[1].error).toBe("KEYCHAIN: Entry 'id_token_from_credential' (google_id_token): credential 'interop_sa' is not a service-account key (JSON with client_email and private_key)");
  });
});
