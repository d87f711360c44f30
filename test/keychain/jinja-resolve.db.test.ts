import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerPlaybook } from '../../src/backends/local/catalog.js';
import { defaultProviders } from '../../src/backends/local/renew/providers/index.js';
import { resolveKeychain } from '../../src/backends/local/keychain-resolve.js';
import type { Store } from '../../src/backends/sql/store.js';
import { testStore } from '../helpers/store.js';

const EXEC = '518508477736551392';
const API_KEY = 'wl-api-key-0123456789';

const PLAYBOOK = `apiVersion: noetl.io/v2
kind: Playbook
metadata:
  path: tests/keychain/plan-preview
workload:
  token_url: https://auth.example.com/token
keychain:
  - name: token
    kind: oauth2
    endpoint: "{{ token_url }}?key={{ api_key | upper }}&region={{ region }}"
`;

describe("a keychain plan's previews", () => {
  let store: Store;
  beforeEach(async () => {
    store = await testStore();
  });
  afterEach(async () => store.close());

  it('mask what derives from a --workload value (given like any secret), and show the playbook workload', async () => {
    const { catalog_id: catalogId } = await registerPlaybook(store, PLAYBOOK);
    const plan = await resolveKeychain(store, undefined, {
      playbook: PLAYBOOK,
      catalogId,
      executionId: EXEC,
      workload: { api_key: API_KEY, region: 'eu' },
      dryRun: true,
      providers: defaultProviders({}),
    });
    expect(plan.entries[0].source).toBe('POST https://auth.example.com/token?key=****&region=****');
  });
});
