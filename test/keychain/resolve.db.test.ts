import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { KeySet } from '../../src/core/envelope.js';
import { addCredential } from '../../src/backends/local/credentials.js';
import { getKeychainEntry } from '../../src/backends/local/keychain-entries.js';
import { listKeychainEntries } from '../../src/backends/sql/keychain.js';
import { defaultProviders } from '../../src/backends/local/renew/providers/index.js';
import { resolveKeychain } from '../../src/backends/local/keychain-resolve.js';
import type { Store } from '../../src/backends/sql/store.js';
import { fakeClock, testStore } from '../helpers/store.js';
import { CLIENT_ID, CLIENT_SECRET, startOAuthServer, startTokenServer, testKeys } from './fixtures.js';

const EXEC = '518508477736551392';
const CHILD = '518508477736551999';

/** A Secret Manager stand-in on 127.0.0.1 speaking the GCP REST shape; counts requests. */
async function startFakeGcp(secrets: Record<string, string>, token = 'gcp-access-token') {
  let requests = 0;
  const server: Server = createServer((req, res) => {
    requests += 1;
    const match = /^\/v1\/(projects\/[^/]+\/secrets\/[^/]+\/versions\/[^/:]+):access$/.exec(req.url ?? '');
    res.setHeader('Content-Type', 'application/json');
    if (req.headers.authorization !== `Bearer ${token}`) {
      res.writeHead(401).end(JSON.stringify({ error: { code: 401, status: 'UNAUTHENTICATED', message: 'bad token' } }));
    } else if (!match || secrets[match[1]] === undefined) {
      res.writeHead(404).end(JSON.stringify({ error: { code: 404, status: 'NOT_FOUND' } }));
    } else {
      res.writeHead(200).end(JSON.stringify({ name: match[1], payload: { data: Buffer.from(secrets[match[1]]).toString('base64') } }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => requests,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('resolving a playbook keychain section', () => {
  let oauth: Awaited<ReturnType<typeof startOAuthServer>>;
  let http: Awaited<ReturnType<typeof startTokenServer>>;
  let gcp: Awaited<ReturnType<typeof startFakeGcp>>;
  let store: Store;
  let keys: KeySet;
  let catalogId: string;

  beforeAll(async () => {
    oauth = await startOAuthServer(1800);
    http = await startTokenServer();
    gcp = await startFakeGcp({
      'projects/123/secrets/amadeus-key/versions/latest': CLIENT_ID,
      'projects/123/secrets/amadeus-secret/versions/latest': CLIENT_SECRET,
    });
  });
  afterAll(async () => {
    await Promise.all([oauth.stop(), http.stop(), gcp.stop()]);
  });
  beforeEach(async () => {
    store = await testStore({ clock: fakeClock() });
    keys = testKeys();
    const { registerPlaybook } = await import('../../src/backends/local/catalog.js');
    catalogId = (await registerPlaybook(store, 'kind: Playbook\nmetadata:\n  path: integrations/travel_booking\n')).catalog_id;
    await addCredential(store, keys, { name: 'google_oauth', type: 'bearer', data: { access_token: 'gcp-access-token' } });
    await addCredential(store, keys, { name: 'pg_local', type: 'postgres', data: { db_host: 'localhost', db_password: 'pw-123' } });
  });
  afterEach(async () => {
    await store.close();
  });

  const playbook = () => `
apiVersion: noetl.io/v2
kind: Playbook
metadata:
  path: integrations/travel_booking
workload:
  gcp_auth: google_oauth
  pg_auth: pg_local
  amadeus_key_path: projects/123/secrets/amadeus-key/versions/latest
  amadeus_secret_path: projects/123/secrets/amadeus-secret/versions/latest
  token_url: ${oauth.tokenUrl}
  project_id: p-42
keychain:
  - name: amadeus_credentials
    kind: secret_manager
    provider: gcp
    scope: global
    auth: "{{ workload.gcp_auth }}"
    map:
      client_id: "{{ workload.amadeus_key_path }}"
      client_secret: "{{ amadeus_secret_path }}"
  - name: amadeus_token
    kind: oauth2
    scope: global
    auto_renew: true
    endpoint: "{{ token_url }}"
    method: POST
    headers:
      Content-Type: application/x-www-form-urlencoded
    data:
      grant_type: client_credentials
      client_id: "{{ keychain.amadeus_credentials.client_id }}"
      client_secret: "{{ keychain.amadeus_credentials.client_secret }}"
  - name: project_context
    kind: http
    scope: shared
    ttl_seconds: 7200
    endpoint: ${http.url}
    method: POST
    headers:
      Content-Type: application/json
    data:
      project_id: "{{ workload.project_id }}"
      timestamp: "{{ job.uuid }}"
  - name: db
    kind: credential
    scope: local
    credential: "{{ pg_auth }}"
`;

  const resolve = (overrides: Partial<Parameters<typeof resolveKeychain>[2]> = {}) =>
    resolveKeychain(store, keys, {
      playbook: playbook(),
      catalogId,
      executionId: EXEC,
      providers: defaultProviders({ gcpSecretManager: gcp.url }),
      ...overrides,
    });

  it('plans without contacting anything on a dry run', async () => {
    const before = [oauth.requests(), http.requests(), gcp.requests()];
    const plan = await resolveKeychain(store, undefined, {
      playbook: playbook(),
      catalogId,
      executionId: EXEC,
      dryRun: true,
      providers: defaultProviders({ gcpSecretManager: gcp.url }),
    });
    expect([oauth.requests(), http.requests(), gcp.requests()]).toEqual(before);
    expect(await listKeychainEntries(store, {}, store.now())).toEqual([]);
    expect(plan.entries.map((e) => [e.name, e.kind, e.scope, e.cache_key, e.status])).toEqual([
      ['amadeus_credentials', 'secret_manager', 'global', `amadeus_credentials:${catalogId}:global`, 'planned'],
      ['amadeus_token', 'oauth2', 'global', `amadeus_token:${catalogId}:global`, 'planned'],
      ['project_context', 'http', 'shared', `project_context:${catalogId}:shared:${EXEC}`, 'planned'],
      ['db', 'credential', 'local', `db:${catalogId}:${EXEC}`, 'planned'],
    ]);
    expect(plan.entries[0].source).toBe(
      'gcp secrets: client_id ← projects/123/secrets/amadeus-key/versions/latest, client_secret ← projects/123/secrets/amadeus-secret/versions/latest (auth google_oauth)',
    );
    expect(plan.entries[1].source).toBe(`POST ${oauth.tokenUrl} (auto-renew)`);
    expect(plan.entries[1].depends_on).toEqual(['amadeus_credentials']);
    expect(plan.entries[3].source).toBe('credential pg_local');
    expect(plan.keychain).toEqual({});
  });

  it('resolves every kind in declaration order, stores them, and serves them from the keychain next time', async () => {
    const before = { oauth: oauth.requests(), http: http.requests(), gcp: gcp.requests() };
    const first = await resolve();
    expect(first.entries.map((e) => [e.name, e.status, e.error])).toEqual([
      ['amadeus_credentials', 'fetched', undefined],
      ['amadeus_token', 'fetched', undefined],
      ['project_context', 'fetched', undefined],
      ['db', 'fetched', undefined],
    ]);
    expect(first.keychain.amadeus_credentials).toEqual({ client_id: CLIENT_ID, client_secret: CLIENT_SECRET });
    expect(String(first.keychain.amadeus_token.access_token)).toMatch(/^eyJ/);
    expect(first.keychain.project_context).toMatchObject({ access_token: expect.stringMatching(/^token-/) });
    expect(first.keychain.db).toEqual({ db_host: 'localhost', db_password: 'pw-123' });
    expect(oauth.requests() - before.oauth).toBe(1);
    expect(http.requests() - before.http).toBe(1);
    expect(gcp.requests() - before.gcp).toBe(2);
    // The http entry got the rendered workload and a job uuid, as JSON.
    expect(JSON.parse(http.bodies().at(-1)!)).toEqual({ project_id: 'p-42', timestamp: expect.stringMatching(/^[0-9a-f-]{36}$/) });

    const stored = await listKeychainEntries(store, {}, store.now());
    const token = stored.find((e) => e.keychain_name === 'amadeus_token')!;
    expect(token).toMatchObject({ auto_renew: true, credential_type: 'oauth2', expires_at: '2026-01-01T00:30:00.000Z' });
    expect(stored.find((e) => e.keychain_name === 'project_context')).toMatchObject({ expires_at: '2026-01-01T02:00:00.000Z', parent_execution_id: EXEC });

    // A child execution of the same tree: global and shared entries are served, the local one is its own.
    const child = await resolve({ executionId: CHILD, rootExecutionId: EXEC });
    expect(child.entries.map((e) => [e.name, e.status])).toEqual([
      ['amadeus_credentials', 'cached'],
      ['amadeus_token', 'cached'],
      ['project_context', 'cached'],
      ['db', 'fetched'],
    ]);
    expect(oauth.requests() - before.oauth).toBe(1);
    expect(http.requests() - before.http).toBe(1);
    expect(gcp.requests() - before.gcp).toBe(2);
    const renewable = await getKeychainEntry(store, keys, 'amadeus_token', { scope: 'global', catalogId }, { renew: false });
    expect(renewable.response.status).toBe('success');
  });

  it('fails an entry whose provider is not configured or not reachable, clearly, and skips its dependents', async () => {
    const noAuth = playbook().replace('    auth: "{{ workload.gcp_auth }}"\n', '');
    const result = await resolve({ playbook: noAuth });
    const byName = Object.fromEntries(result.entries.map((e) => [e.name, e]));
    expect(byName.amadeus_credentials).toMatchObject({ status: 'failed' });
    expect(byName.amadeus_credentials.error).toBe(
      "KEYCHAIN: Entry 'amadeus_credentials' (secret_manager): gcp: not configured: give the entry `auth:` naming a credential with an access_token, or a service-account key (client_email, private_key)",
    );
    expect(byName.amadeus_token).toMatchObject({ status: 'skipped', error: "KEYCHAIN: Entry 'amadeus_token' (oauth2): not resolved: it depends on 'amadeus_credentials', which failed" });
    expect(byName.project_context.status).toBe('fetched');
    expect(result.keychain.amadeus_credentials).toBeUndefined();
    expect((await listKeychainEntries(store, {}, store.now())).map((e) => e.keychain_name).sort()).toEqual(['db', 'project_context']);

    const closed = await startTokenServer();
    await closed.stop();
    const closedBase = new URL(closed.url).origin;
    const unreachable = await resolve({ providers: defaultProviders({ gcpSecretManager: closedBase }) });
    expect(unreachable.entries[0].error).toContain(`gcp: cannot reach ${closedBase}/v1/projects/123/secrets/amadeus-key/versions/latest:access (ECONNREFUSED)`);
    expect(unreachable.entries[0].error).toMatch(/:access \(ECONNREFUSED\)$/);

    await addCredential(store, keys, { name: 'bad_gcp', type: 'bearer', data: { access_token: 'wrong' } });
    const denied = await resolve({ workload: { gcp_auth: 'bad_gcp' } });
    expect(denied.entries[0].error).toBe(
      "KEYCHAIN: Entry 'amadeus_credentials' (secret_manager): gcp: HTTP 401 UNAUTHENTICATED for projects/123/secrets/amadeus-key/versions/latest",
    );
    expect(JSON.stringify(denied)).not.toContain('wrong');
  });

  it('fails clearly for aws and azure without configuration, and for an undefined template value', async () => {
    const pb = `
kind: Playbook
metadata: {path: integrations/travel_booking}
keychain:
  - name: from_aws
    kind: secrets
    provider: aws
    map: {key: arn:aws:secretsmanager:eu-west-1:123:secret:x}
  - name: from_azure
    kind: secrets
    provider: azure
    map: {key: https://vault1.vault.azure.net/secrets/x}
  - name: needs_workload
    kind: static
    map: {key: "{{ workload.missing_value }}"}
  - name: missing_credential
    kind: credential
    credential: nope_cred
`;
    const result = await resolve({ playbook: pb });
    expect(result.entries.map((e) => e.error)).toEqual([
      "KEYCHAIN: Entry 'from_aws' (secrets): aws: not configured: give the entry `auth:` naming a credential with access_key_id, secret_access_key and region",
      "KEYCHAIN: Entry 'from_azure' (secrets): azure: not configured: give the entry `auth:` naming a credential with tenant_id, client_id and client_secret (or an access_token)",
      "KEYCHAIN: Entry 'needs_workload' (static): cannot render '{{ workload.missing_value }}': 'workload.missing_value' is not defined",
      expect.stringMatching(/^KEYCHAIN: Entry 'missing_credential' \(credential\): credential 'nope_cred' not found/),
    ]);
  });

  it('reports a 401 from the token endpoint of an oauth2 entry', async () => {
    await addCredential(store, keys, { name: 'other', type: 'bearer', data: { access_token: 'gcp-access-token' } });
    const pb = playbook().replace('client_secret: "{{ keychain.amadeus_credentials.client_secret }}"', 'client_secret: wrong-secret-xyz');
    const result = await resolve({ playbook: pb });
    const token = result.entries.find((e) => e.name === 'amadeus_token')!;
    expect(token).toMatchObject({ status: 'failed', error: "KEYCHAIN: Entry 'amadeus_token' (oauth2): HTTP 401 invalid_client" });
    expect(JSON.stringify(result.entries)).not.toContain('wrong-secret-xyz');
  });
});
