/**
 * Lint and `keychain resolve` read one kind registry, so they agree: what lint reports about a
 * keychain entry is what resolve does with it. One test per divergence issue #13 found between
 * them (each failed before the registry), run on the same playbook text through both.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { KeySet } from '../../src/core/envelope.js';
import { lintText } from '../../src/lint/lint.js';
import { addCredential } from '../../src/backends/local/credentials.js';
import type { KeychainSuccess } from '../../src/api/keychain.js';
import { getKeychainEntry } from '../../src/backends/local/keychain-entries.js';
import { listKeychainEntries } from '../../src/backends/sql/keychain.js';
import { defaultProviders } from '../../src/backends/local/renew/providers/index.js';
import { resolveKeychain } from '../../src/backends/local/keychain-resolve.js';
import type { Store } from '../../src/backends/sql/store.js';
import type { fakeClock } from '../helpers/store.js';
import { keychainTestbed, startTokenServer } from './fixtures.js';

const EXEC = '518508477736551392';

const playbook = (keychain: string) => `apiVersion: noetl.io/v2
kind: Playbook
metadata:
  path: integrations/travel_booking
workload:
  gcp_auth: google_oauth
keychain:
${keychain}`;

/** `rule: message` of the keychain findings, in file order. */
const lint = (yaml: string) => lintText('p.yaml', yaml).filter((f) => f.ruleId.startsWith('keychain-')).map((f) => `${f.ruleId}: ${f.message}`);

describe('lint and keychain resolve agree on every kind', () => {
  let server: Awaited<ReturnType<typeof startTokenServer>>;
  let store: Store;
  let keys: KeySet;
  let clock: ReturnType<typeof fakeClock>;
  let catalogId: string;

  beforeAll(async () => {
    server = await startTokenServer({ expiresIn: 600 });
  });
  afterAll(async () => {
    await server.stop();
  });
  beforeEach(async () => {
    ({ clock, store, keys, catalogId } = await keychainTestbed());
    await addCredential(store, keys, { name: 'openai_key', type: 'api_key', data: { api_key: 'sk-stored-value' } });
  });
  afterEach(async () => {
    await store.close();
  });

  const resolve = (yaml: string) => resolveKeychain(store, keys, { playbook: yaml, catalogId, executionId: EXEC, providers: defaultProviders() });

  it('kind static reads only map: `value:` is reported by lint and refused by resolve, with the same words', async () => {
    const yaml = playbook(`  - name: creds\n    kind: static\n    value: abc\n`);
    expect(lint(yaml)).toEqual([
      "keychain-required-fields: keychain entry 'creds' of kind static needs `map` (output field → value)",
      "keychain-unknown-key: unknown key 'value' in kind static; did you mean 'map'?",
    ]);
    const result = await resolve(yaml);
    expect(result.entries[0]).toMatchObject({ status: 'failed', error: "KEYCHAIN: Entry 'creds' (static): needs `map` (output field → value)" });

    const fixed = playbook(`  - name: creds\n    kind: static\n    map:\n      value: abc\n`);
    expect(lint(fixed)).toEqual([]);
    expect((await resolve(fixed)).keychain.creds).toEqual({ value: 'abc' });
  });

  it('secret providers are gcp, aws, azure for both: vault and k8s are unknown to lint and to resolve', async () => {
    for (const provider of ['vault', 'k8s']) {
      const yaml = playbook(`  - name: creds\n    kind: secrets\n    provider: ${provider}\n    map:\n      key: secret/data/x\n`);
      expect(lint(yaml)).toEqual([`keychain-required-fields: unknown secret provider '${provider}' (one of gcp, aws, azure)`]);
      const result = await resolve(yaml);
      expect(result.entries[0]).toMatchObject({ status: 'failed', error: `KEYCHAIN: Entry 'creds' (secrets): unknown secret provider '${provider}' (one of gcp, aws, azure)` });
    }
  });

  it('kind bearer takes its token from `token:` only: `credential:` is reported and refused; kind credential reads it', async () => {
    const yaml = playbook(`  - name: openai_token\n    kind: bearer\n    credential: openai_key\n`);
    expect(lint(yaml)).toEqual([
      "keychain-required-fields: keychain entry 'openai_token' of kind bearer needs `token`",
      "keychain-unknown-key: unknown key 'credential' in kind bearer; a stored credential is read with `kind: credential`",
    ]);
    const refused = await resolve(yaml);
    expect(refused.entries[0]).toMatchObject({ status: 'failed', error: "KEYCHAIN: Entry 'openai_token' (bearer): needs `token`" });
    expect(await listKeychainEntries(store, {}, store.now())).toEqual([]);

    const asCredential = playbook(`  - name: openai_token\n    kind: credential\n    credential: openai_key\n  - name: by_ref\n    kind: credential\n    ref: openai_key\n`);
    expect(lint(asCredential)).toEqual([]);
    const fetched = await resolve(asCredential);
    expect(fetched.keychain).toEqual({ openai_token: { api_key: 'sk-stored-value' }, by_ref: { api_key: 'sk-stored-value' } });

    // A bearer entry is served in the seeds' bearer-token shape (seed 003 "Bearer Token").
    const bearer = playbook(`  - name: hook_token\n    kind: bearer\n    token: "{{ workload.gcp_auth }}"\n`);
    expect(lint(bearer)).toEqual([]);
    expect((await resolve(bearer)).keychain.hook_token).toEqual({ access_token: 'google_oauth', token_type: 'Bearer' });
  });

  it('auto_renew on http is honoured by resolve (stored with its request, renewed on read); on static it is not', async () => {
    const yaml = playbook(`  - name: project_context
    kind: http
    scope: global
    auto_renew: true
    endpoint: ${server.url}
    headers:
      Content-Type: application/json
    data:
      project_id: p-42
  - name: creds
    kind: static
    auto_renew: true
    map: {a: b}
`);
    expect(lint(yaml)).toEqual(["keychain-auto-renew: auto_renew has no effect on kind static: only oauth2, http, google_id_token entries can be renewed; remove it"]);
    const first = await resolve(yaml);
    expect(first.entries.map((e) => [e.name, e.status])).toEqual([
      ['project_context', 'fetched'],
      ['creds', 'fetched'],
    ]);
    expect((await listKeychainEntries(store, {}, store.now())).map((e) => [e.keychain_name, e.auto_renew])).toEqual([
      ['creds', false],
      ['project_context', true],
    ]);
    const before = server.requests();
    clock.advance(601_000);
    const read = await getKeychainEntry(store, keys, 'project_context', { scope: 'global', catalogId });
    expect(read.response).toMatchObject({ status: 'success', renewed: true });
    expect(server.requests() - before).toBe(1);
    expect((read.response as KeychainSuccess).token_data.access_token).not.toBe(first.keychain.project_context.access_token);
    // The static entry lives its default day and then expires: nothing renews it.
    clock.advance(86_400_000);
    expect((await getKeychainEntry(store, keys, 'creds', { scope: 'global', catalogId })).response.status).toBe('expired');
  });

  it('entries resolve in declaration order: a use of an entry declared below is reported by lint and refused by resolve', async () => {
    const yaml = playbook(`  - name: token
    kind: oauth2
    endpoint: ${server.url}
    data:
      client_id: "{{ keychain.creds.client_id }}"
  - name: creds
    kind: static
    map: {client_id: a}
`);
    expect(lint(yaml)).toEqual(["keychain-order: keychain entry 'token' uses 'creds', which is declared after it (line 13); move 'creds' above 'token'"]);
    const before = server.requests();
    await expect(resolve(yaml)).rejects.toMatchObject({ code: 'invalid', message: "keychain entry 'token' uses 'creds', which is declared after it; move 'creds' above 'token'" });
    expect(server.requests()).toBe(before);
    expect(await listKeychainEntries(store, {}, store.now())).toEqual([]);
  });
});
