/**
 * The templates group of NoetlClient on this run's backend (embedded and PostgreSQL):
 * resolving a playbook's keychain section (plan, fetch, cache, failures), render, masking by
 * `reveal`, error codes, 64-bit ids exact.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NoetlClient } from '../../src/api/index.js';
import { testClient } from '../helpers/client.js';
import { fails } from '../helpers/errors.js';
import { fakeClock } from '../helpers/store.js';

const API_KEY = 'sk-live-contract-0123456789';
const EXEC = '518508477736551392';
const CHILD = '518508477736551999';
const PATH = 'contract/templates';
const PLAYBOOK = `apiVersion: noetl.io/v2
kind: Playbook
metadata:
  path: ${PATH}
workload:
  region: eu
keychain:
  - name: api_keys
    kind: static
    map:
      api_key: ${API_KEY}
      region: "{{ workload.region }}"
  - name: derived
    kind: static
    scope: local
    map:
      header: "Key {{ keychain.api_keys.api_key }}"
  - name: from_cred
    kind: credential
    credential: missing_cred
  - name: after_cred
    kind: static
    map:
      x: "{{ keychain.from_cred.token }}"
workflow:
  - step: start
    tool:
      kind: http
      endpoint: "https://api.example.com/{{ workload.region }}"
      headers:
        X-Key: "{{ keychain.api_keys.api_key }}"
        X-Nope: "{{ keychain.nope.x }}"
`;

describe('contract: templates', () => {
  let client: NoetlClient;
  let close: () => Promise<void>;
  let catalogId: string;
  const clock = fakeClock();

  beforeEach(async () => {
    clock.set(new Date('2026-01-01T00:00:00Z'));
    ({ client, close } = await testClient({ clock }));
    catalogId = (await client.catalog.register({ content: PLAYBOOK })).catalog_id;
  });
  afterEach(async () => close());

  it('resolveKeychain dry_run: the plan in declaration order, nothing stored', async () => {
    const plan = await client.templates.resolveKeychain({ content: PLAYBOOK, execution_id: EXEC, dry_run: true });
    expect(plan).toMatchObject({ catalog_id: catalogId, execution_id: EXEC, root_execution_id: EXEC, dry_run: true, keychain: {}, warnings: [] });
    expect(plan.entries.map((e) => [e.name, e.scope, e.status, e.cache_key])).toEqual([
      ['api_keys', 'global', 'planned', `api_keys:${catalogId}:global`],
      ['derived', 'local', 'planned', `derived:${catalogId}:${EXEC}`],
      ['from_cred', 'global', 'planned', `from_cred:${catalogId}:global`],
      ['after_cred', 'global', 'planned', `after_cred:${catalogId}:global`],
    ]);
    expect(plan.entries[1].depends_on).toEqual(['api_keys']);
    expect(JSON.stringify(plan)).not.toContain(API_KEY);
    expect(await client.keychain.list()).toEqual([]);
  });

  it('resolveKeychain: fetched then cached, a failure skips its dependents, values masked unless reveal', async () => {
    const first = await client.templates.resolveKeychain({ content: PLAYBOOK, source: 'flows/t.yaml', execution_id: CHILD, root_execution_id: EXEC });
    expect(first.entries.map((e) => [e.name, e.status])).toEqual([
      ['api_keys', 'fetched'],
      ['derived', 'fetched'],
      ['from_cred', 'failed'],
      ['after_cred', 'skipped'],
    ]);
    expect(first.entries[2].error).toMatch(/^KEYCHAIN: Entry 'from_cred' \(credential\): .*missing_cred/);
    expect(first.entries[3].error).toContain("it depends on 'from_cred', which failed");
    expect(first).toMatchObject({ execution_id: CHILD, root_execution_id: EXEC, catalog_id: catalogId });
    expect(JSON.stringify(first)).not.toContain(API_KEY);
    expect(first.keychain.api_keys.api_key).toMatch(/^\*{4}#[0-9a-f]{8}$/);

    const second = await client.templates.resolveKeychain({ content: PLAYBOOK, playbook: PATH, execution_id: CHILD, root_execution_id: EXEC, reveal: true });
    expect(second.entries.slice(0, 2).map((e) => e.status)).toEqual(['cached', 'cached']);
    expect(second.keychain).toMatchObject({ api_keys: { api_key: API_KEY, region: 'eu' }, derived: { header: `Key ${API_KEY}` } });
    const local = (await client.keychain.list({ scope: 'local' }))[0];
    expect(local).toMatchObject({ keychain_name: 'derived', execution_id: CHILD, cache_key: `derived:${catalogId}:${CHILD}` });
  });

  it('resolveKeychain errors: unregistered playbook, unknown selector, malformed section, bounds', async () => {
    const other = PLAYBOOK.replace(`path: ${PATH}`, 'path: contract/unregistered');
    const unregistered = await fails(client.templates.resolveKeychain({ content: other, source: 'u.yaml', execution_id: EXEC }));
    expect(unregistered).toMatchObject({ code: 'not_found', hint: { command: 'catalog register u.yaml' } });
    expect((await fails(client.templates.resolveKeychain({ content: PLAYBOOK, playbook: 'no/such', execution_id: EXEC }))).code).toBe('not_found');
    const cycle = PLAYBOOK.replace('credential: missing_cred', 'credential: "{{ keychain.after_cred.x }}"');
    expect((await fails(client.templates.resolveKeychain({ content: cycle, catalog_id: catalogId, execution_id: EXEC, dry_run: true }))).code).toBe('invalid');
    expect((await fails(client.templates.resolveKeychain({ content: PLAYBOOK, execution_id: EXEC, timeout_seconds: 601 }))).code).toBe('invalid');
    const changed = `${PLAYBOOK}# changed\n`;
    const warned = await client.templates.resolveKeychain({ content: changed, source: 'c.yaml', execution_id: EXEC, dry_run: true });
    expect(warned.warnings).toEqual([`c.yaml differs from the registered ${PATH} version 1; entries are keyed by its catalog id ${catalogId}`]);
  });

  it('render: rendered templates, unresolved references with reasons, secrets masked unless reveal', async () => {
    await client.templates.resolveKeychain({ content: PLAYBOOK, execution_id: EXEC });
    const masked = await client.templates.render({ content: PLAYBOOK, source: 'flows/t.yaml', execution_id: EXEC });
    expect(masked).toMatchObject({ playbook: 'flows/t.yaml', execution_id: EXEC, catalog_id: catalogId, conflicts: [], warnings: [] });
    const fields = Object.fromEntries(masked.steps[0].templates.map((t) => [t.field, t.rendered]));
    expect(fields['tool.endpoint']).toBe('https://api.example.com/eu');
    expect(fields['tool.headers.X-Key']).toBe('****');
    expect(JSON.stringify(masked)).not.toContain(API_KEY);
    expect(masked.unresolved).toEqual([expect.objectContaining({ step: 'start', reference: 'keychain.nope.x', reason: 'no such keychain entry' })]);

    const clear = await client.templates.render({ content: PLAYBOOK, execution_id: EXEC, step: 'start', reveal: true });
    expect(clear.steps[0].templates.find((t) => t.field === 'tool.headers.X-Key')?.rendered).toBe(API_KEY);
  });

  it('render errors: unknown step, bad ids, not YAML, unknown catalog id', async () => {
    expect((await fails(client.templates.render({ content: PLAYBOOK, execution_id: EXEC, step: 'strat' }))).message).toContain("(did you mean 'start'?)");
    expect((await fails(client.templates.render({ content: PLAYBOOK, execution_id: EXEC, step: 'strat' }))).code).toBe('not_found');
    expect((await fails(client.templates.render({ content: PLAYBOOK, execution_id: '12x' }))).code).toBe('invalid');
    expect((await fails(client.templates.render({ content: PLAYBOOK, execution_id: EXEC, catalog_id: '99999999999999999999' }))).code).toBe('invalid');
    expect((await fails(client.templates.render({ content: 'a: [', execution_id: EXEC }))).code).toBe('invalid');
    expect((await fails(client.templates.render({ content: PLAYBOOK, execution_id: EXEC, catalog_id: '9223372036854775807' }))).code).toBe('not_found');
  });
});
