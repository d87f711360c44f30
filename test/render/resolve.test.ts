import { describe, expect, it } from 'vitest';
import { checkReference, markSecrets, visibleKeychainEntry, type KeychainState, type ReferenceCheckInput as ResolveInput } from '../../src/core/template-references.js';
import { renderTemplate, Secret } from '../../src/core/jinja.js';
import { templateReferences } from '../../src/core/templates.js';

const CATALOG = '518486534513754563';
const ROOT = '507431238966182300';
const CHILD = '507431238966182398';
const later = new Date('2030-01-01T00:00:00Z');

function state(partial: Partial<KeychainState> & { name: string }): KeychainState {
  return { cacheKey: `${partial.name}:x`, scope: 'global', catalogId: CATALOG, executionId: null, rootExecutionId: null, expiresAt: later, expired: false, autoRenew: false, ...partial };
}

function input(over: Partial<ResolveInput> = {}): ResolveInput {
  return {
    context: { workload: { q: 1 }, q: 1, fetch_data: { data: { rows: [] } }, keychain: {} },
    keychain: [],
    reader: { catalogId: CATALOG, executionId: CHILD, rootExecutionId: ROOT },
    catalogKnown: true,
    runtimeNames: new Set(['item']),
    steps: new Set(['fetch_data', 'later_step']),
    bearerVariables: new Map([['my_token', 'get_token']]),
    ...over,
  };
}

const check = (template: string, over: Partial<ResolveInput> = {}) => checkReference(templateReferences(template)[0], input(over));

describe('checkReference', () => {
  it('resolves workload, bare workload keys and step results with their fields', () => {
    expect(check('{{ workload.q }}')).toBeUndefined();
    expect(check('{{ q }}')).toBeUndefined();
    expect(check('{{ fetch_data.data.rows }}')).toBeUndefined();
    expect(check('{{ item.x }}')).toBeUndefined();
  });

  it('explains a missing variable: bearer token not stored, step without result, typo', () => {
    expect(check('{{ my_token }}')).toEqual({ reason: 'no such variable', detail: expect.stringContaining("bearer token of step 'get_token'") });
    expect(check('{{ later_step.x }}')?.detail).toContain("step 'later_step' has no result");
    expect(check('{{ fetch_dat.data }}')?.detail).toContain("did you mean 'fetch_data'?");
    expect(check('{{ fetch_data.dta }}')).toEqual({ reason: 'no such field', detail: expect.stringContaining("did you mean 'data'?") });
  });

  it('keychain: visible, expired, not visible, absent', () => {
    const keychain = [
      state({ name: 'global_tok', data: { access_token: 't' } }),
      state({ name: 'old', expired: true, autoRenew: true }),
      state({ name: 'mine', scope: 'local', executionId: CHILD, data: { v: 1 } }),
      state({ name: 'theirs', scope: 'local', executionId: ROOT }),
      state({ name: 'tree', scope: 'shared', executionId: ROOT, rootExecutionId: ROOT, data: { v: 2 } }),
      state({ name: 'other_tree', scope: 'shared', executionId: '1', rootExecutionId: '1' }),
    ];
    expect(check('{{ keychain.global_tok.access_token }}', { keychain })).toBeUndefined();
    expect(check('{{ keychain.global_tok.refresh_token }}', { keychain })?.reason).toBe('no such field');
    expect(check('{{ keychain.old.access_token }}', { keychain })).toEqual({ reason: 'keychain entry expired', detail: expect.stringContaining('auto-renews') });
    expect(check('{{ keychain.mine.v }}', { keychain })).toBeUndefined();
    expect(check('{{ keychain.theirs.v }}', { keychain })).toEqual({ reason: "entry not visible from this execution's scope", detail: expect.stringContaining(`local to execution ${ROOT}`) });
    expect(check('{{ keychain.tree.v }}', { keychain })).toBeUndefined();
    expect(check('{{ keychain.other_tree.v }}', { keychain })?.reason).toBe("entry not visible from this execution's scope");
    expect(check('{{ keychain.globl_tok.x }}', { keychain })).toEqual({ reason: 'no such keychain entry', detail: expect.stringContaining("did you mean 'global_tok'?") });
    expect(check('{{ keychain.x.y }}', { keychain: [], catalogKnown: false })?.detail).toContain('not registered in the catalog');
  });

  it('prefers an unexpired visible entry over an expired one of the same name', () => {
    const keychain = [state({ name: 't', expired: true }), state({ name: 't', scope: 'local', executionId: CHILD, data: {} })];
    expect(visibleKeychainEntry(keychain, 't', input().reader)?.scope).toBe('local');
  });

  it('a shared entry is not shadowed by a catalog one (the cache key order put catalog first); local before shared; global last', () => {
    // In the order the store lists them: by cache key.
    const keychain = [
      state({ name: 't', scope: 'local', executionId: CHILD, cacheKey: `t:${CATALOG}:${CHILD}`, data: { v: 'local' } }),
      state({ name: 't', scope: 'catalog', cacheKey: `t:${CATALOG}:catalog`, data: { v: 'catalog' } }),
      state({ name: 't', scope: 'global', cacheKey: `t:${CATALOG}:global`, data: { v: 'global' } }),
      state({ name: 't', scope: 'shared', executionId: ROOT, rootExecutionId: ROOT, cacheKey: `t:${CATALOG}:shared:${ROOT}`, data: { v: 'shared' } }),
    ];
    const reader = input().reader;
    expect(visibleKeychainEntry(keychain, 't', reader)?.scope).toBe('local');
    expect(visibleKeychainEntry(keychain.slice(1), 't', reader)?.scope).toBe('shared');
    expect(visibleKeychainEntry(keychain.slice(1, 3), 't', reader)?.scope).toBe('catalog');
    expect(visibleKeychainEntry(keychain.slice(2, 3), 't', reader)?.scope).toBe('global');
  });
});

describe('marking secrets for masked rendering', () => {
  const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.c2lnbmF0dXJlc2ln';
  const context = {
    workload: { oauth_creds: 'my_oauth_credentials', nested: { password: 'pw-123456' } },
    oauth_creds: 'my_oauth_credentials',
    keychain: { k: { api_key: 'sk-abcdefghijklmnop', region: 'eu-west-1' } },
    my_token: 'opaque-bearer-token-value',
    fetch_data: { client_secret: 'cs-0123456789abcdef', note: jwt, status: 'ok', pin: 'abc' },
  };
  const marked = markSecrets(context, new Set(['keychain', 'my_token']), new Set(['workload', 'oauth_creds']));

  it('marks keychain data, bearer tokens, secret-named fields and JWT-shaped strings, not workload credential names', () => {
    expect(marked.keychain).toBeInstanceOf(Secret);
    expect(marked.my_token).toBeInstanceOf(Secret);
    const fetch = marked.fetch_data as Record<string, unknown>;
    expect(fetch.client_secret).toBeInstanceOf(Secret);
    expect(fetch.note).toBeInstanceOf(Secret);
    expect(fetch.status).toBe('ok');
    expect(marked.oauth_creds).toBe('my_oauth_credentials');
    const workload = marked.workload as Record<string, Record<string, unknown>>;
    expect(workload.oauth_creds).toBe('my_oauth_credentials');
    expect(workload.nested.password).toBeInstanceOf(Secret);
  });

  it('masks what a template derives from a secret, however short, with no character of it', async () => {
    const render = (t: string) => renderTemplate(t, marked, { maskSecrets: true });
    expect(await render('Bearer {{ my_token }}; key={{ keychain.k.api_key | upper }}; {{ oauth_creds }}')).toBe('Bearer ****; key=****; my_oauth_credentials');
    expect(await render('{{ fetch_data.status }} {{ workload.nested.password | reverse }}')).toBe('ok ****');
    expect(await renderTemplate('{{ fetch_data.status }} {{ workload.nested.password | reverse }}', marked)).toBe('ok 654321-wp');
  });
});
