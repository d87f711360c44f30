/**
 * The keychain spellings upstream's processor accepts (issue 17): `type:` as the kind key, the
 * kinds credential_ref, google_oauth, google_service_account and google, and `ref:` as the
 * credential key (else `credential:`, else the entry's own name). Lint accepts them and
 * `keychain resolve` resolves them, from the one kind registry: the same playbook through both.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KeySet } from '../../src/core/envelope.js';
import { lintText } from '../../src/lint/lint.js';
import { addCredential } from '../../src/backends/local/credentials.js';
import { defaultProviders } from '../../src/backends/local/renew/providers/index.js';
import { resolveKeychain } from '../../src/backends/local/keychain-resolve.js';
import type { Store } from '../../src/backends/sql/store.js';
import { keychainTestbed } from '../keychain/fixtures.js';

const EXEC = '518508477736551392';

/** A playbook with these keychain entries and a step that uses each of them. */
const playbook = (entries: string, names: string[]) => `apiVersion: noetl.io/v2
kind: Playbook
metadata:
  path: integrations/travel_booking
keychain:
${entries}workflow:
  - step: use
    tool: { kind: python, code: "${names.map((n) => `{{ keychain.${n}.v }}`).join(' ')}" }
`;

describe("upstream's keychain spellings: lint accepts them, resolve resolves them", () => {
  let store: Store;
  let keys: KeySet;
  let catalogId: string;

  beforeEach(async () => {
    ({ store, keys, catalogId } = await keychainTestbed());
    await addCredential(store, keys, { name: 'google_oauth', type: 'bearer', data: { access_token: 'stored-google' } });
    await addCredential(store, keys, { name: 'pg_local', type: 'postgres', data: { db_host: 'localhost', db_password: 'stored-pw' } });
  });
  afterEach(async () => {
    await store.close();
  });

  const resolve = (yaml: string) => resolveKeychain(store, keys, { playbook: yaml, catalogId, executionId: EXEC, providers: defaultProviders() });

  it('type: as the kind key, each upstream kind, ref: / credential: / the entry name as the credential', async () => {
    const yaml = playbook(
      `  - name: gcs
    type: google_oauth
    ref: google_oauth
  - name: by_ref
    kind: credential_ref
    ref: pg_local
  - name: pg_local
    kind: credential
  - name: sa
    type: google_service_account
    credential: google_oauth
  - name: g
    kind: google
    ref: google_oauth
    credential: pg_local
`,
      ['gcs', 'by_ref', 'pg_local', 'sa', 'g'],
    );
    expect(lintText('p.yaml', yaml)).toEqual([]);
    const result = await resolve(yaml);
    expect(result.entries.map((e) => [e.name, e.status])).toEqual([
      ['gcs', 'fetched'],
      ['by_ref', 'fetched'],
      ['pg_local', 'fetched'],
      ['sa', 'fetched'],
      ['g', 'fetched'],
    ]);
    expect(result.keychain).toEqual({
      gcs: { access_token: 'stored-google' },
      by_ref: { db_host: 'localhost', db_password: 'stored-pw' },
      // No ref, no credential: upstream reads the credential the entry is named after.
      pg_local: { db_host: 'localhost', db_password: 'stored-pw' },
      sa: { access_token: 'stored-google' },
      // ref wins over credential, as upstream reads them.
      g: { access_token: 'stored-google' },
    });
  });

  it('an entry with neither kind: nor type: is reported by lint and refused by resolve, with the same words', async () => {
    const yaml = playbook(`  - name: gcs\n    ref: google_oauth\n`, ['gcs']);
    const findings = lintText('p.yaml', yaml).map((f) => `${f.ruleId}: ${f.message}`);
    expect(findings).toEqual([`keychain-kind: keychain entry 'gcs' has no kind; one of: secret_manager, secrets, oauth2, http, credential, credential_ref, google_oauth, google_service_account, google, static, bearer, google_id_token`]);
    await expect(resolve(yaml)).rejects.toMatchObject({ message: findings[0].replace('keychain-kind: ', '') });
  });
});
