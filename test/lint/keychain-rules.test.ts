import { describe, expect, it } from 'vitest';
import { covered, lint, messages, spans } from './helpers.js';

const pb = (keychain: string, rest = '') => `apiVersion: noetl.io/v2\nkind: Playbook\nworkload:\n  gcp_auth: google_oauth\n  key_path: projects/1/secrets/k/versions/latest\nkeychain:\n${keychain}${rest}`;

/** A workflow that uses the named keychain entries (an entry nothing uses is unused-keychain-entry's finding). */
const using = (...names: string[]) => `workflow:\n  - step: use\n    tool: { kind: python, code: "${names.map((n) => `{{ keychain.${n}.v }}`).join(' ')}" }\n`;

const good = `  - name: openai_token
    kind: secrets
    provider: gcp
    scope: global
    auth: "{{ workload.gcp_auth }}"
    map:
      api_key: "{{ workload.key_path }}"
  - name: amadeus_token
    kind: oauth2
    scope: shared
    ttl_seconds: 1800
    auto_renew: true
    endpoint: https://test.api.amadeus.com/v1/security/oauth2/token
    data:
      client_id: "{{ keychain.openai_token.api_key }}"
`;

describe('keychain rules', () => {
  it('a well-formed keychain has no findings', () => {
    expect(lint(pb(good, using('amadeus_token')))).toEqual([]);
  });

  it('keychain-name: missing, duplicate, not an identifier', () => {
    const y = pb(`  - kind: static\n    map: {a: b}\n  - name: dup\n    kind: static\n    map: {a: b}\n  - name: dup\n    kind: static\n    map: {a: b}\n  - name: my-token\n    kind: static\n    map: {a: b}\n`);
    expect(spans(y, 'keychain-name')).toEqual(['7:5-7:6', '12:11-12:14', '15:11-15:19']);
    expect(messages(y, 'keychain-name')).toEqual([
      'keychain entry #1 has no name; add `name: <identifier>`',
      "keychain name 'dup' is already used by entry #2 (line 9); names must be unique",
      "keychain name 'my-token' is not an identifier, so `{{ keychain.my-token }}` cannot reach it; use 'my_token'",
    ]);
  });

  it('keychain-name: the section must be a list', () => {
    const y = `kind: Playbook\nkeychain:\n  openai_token:\n    kind: secrets\n`;
    expect(spans(y, 'keychain-name')).toEqual(['3:3-3:16']);
    expect(messages(y, 'keychain-name')).toEqual(['keychain must be a list of entries (`- name: …`)']);
  });

  it('keychain-kind: missing and unknown (with did-you-mean)', () => {
    const y = pb(`  - name: a\n    credential: pg\n  - name: b\n    kind: oauth\n    endpoint: https://x\n`);
    expect(spans(y, 'keychain-kind')).toEqual(['7:11-7:12', '10:11-10:16']);
    expect(messages(y, 'keychain-kind')[0]).toContain("keychain entry 'a' has no kind; one of: secret_manager");
    expect(messages(y, 'keychain-kind')[1]).toBe("unknown keychain kind 'oauth'; did you mean 'oauth2'?");
  });

  it('keychain-required-fields: per kind', () => {
    const y = pb(`  - name: a
    kind: oauth2
  - name: b
    kind: secrets
    provider: gpc
    map: {}
  - name: c
    kind: secret_manager
  - name: d
    kind: credential
  - name: e
    kind: bearer
  - name: f
    kind: static
  - name: g
    kind: google_id_token
    service_account_secret: "{{ workload.key_path }}"
`);
    expect(spans(y, 'keychain-required-fields')).toEqual(['8:11-8:17', '11:15-11:18', '12:10-12:12', '14:11-14:25', '14:11-14:25', '18:11-18:17', '20:11-20:17', '22:11-22:26', '22:11-22:26']);
    expect(messages(y, 'keychain-required-fields')).toEqual([
      "keychain entry 'a' of kind oauth2 needs `endpoint` (the URL to call)",
      "unknown secret provider 'gpc'; did you mean 'gcp'? (one of gcp, aws, azure)",
      "`map` of keychain entry 'b' must be a non-empty mapping of output field → secret path",
      "keychain entry 'c' of kind secret_manager needs `provider` (one of gcp, aws, azure)",
      "keychain entry 'c' of kind secret_manager needs `map` (output field → secret path)",
      "keychain entry 'e' of kind bearer needs `token`",
      "keychain entry 'f' of kind static needs `map` (output field → value)",
      "keychain entry 'g' of kind google_id_token needs `target_audience`",
      "keychain entry 'g' reads `service_account_secret` from a secret manager and needs `auth` to reach it",
    ]);
  });

  it('keychain-required-fields: the corpus forms pass', () => {
    const y = pb(`  - name: a
    kind: google_id_token
    service_account_credential: sa
    target_audience: https://svc
  - name: b
    kind: credential
    scope: local
    credential: gcs_service_account
  - name: c
    kind: bearer
    token: "{{ workload.key_path }}"
`, using('a', 'b', 'c'));
    expect(lint(y)).toEqual([]);
  });

  it('keychain-scope', () => {
    const y = pb(`  - name: a\n    kind: static\n    map: {a: b}\n    scope: execution\n  - name: b\n    kind: static\n    map: {a: b}\n    scope: globl\n`);
    expect(spans(y, 'keychain-scope')).toEqual(['10:12-10:21', '14:12-14:17']);
    expect(messages(y, 'keychain-scope')).toEqual([
      "keychain scope 'execution' is not one of global, catalog, local, shared; an execution-only entry is 'local'",
      "keychain scope 'globl' is not one of global, catalog, local, shared; did you mean 'global'?",
    ]);
  });

  it('keychain-ttl', () => {
    const y = pb(`  - name: a\n    kind: static\n    map: {a: b}\n    ttl_seconds: 0\n  - name: b\n    kind: static\n    map: {a: b}\n    ttl_seconds: "30"\n  - name: c\n    kind: static\n    map: {a: b}\n    ttl_seconds: 1.5\n  - name: d\n    kind: static\n    map: {a: b}\n    ttl_seconds: 30m\n  - name: e\n    kind: static\n    map: {a: b}\n    ttl_seconds: 900\n`);
    expect(spans(y, 'keychain-ttl')).toEqual(['10:18-10:19', '14:18-14:22', '18:18-18:21', '22:18-22:21']);
    expect(messages(y, 'keychain-ttl')[1]).toBe('ttl_seconds must be a positive integer number of seconds, got "30" (write it unquoted: 30)');
  });

  it('keychain-auto-renew: non-boolean, and on kinds that cannot renew', () => {
    const y = pb(`  - name: a\n    kind: secrets\n    provider: gcp\n    map: {a: b}\n    auto_renew: true\n  - name: b\n    kind: oauth2\n    endpoint: https://x\n    auto_renew: "yes"\n`);
    expect(spans(y, 'keychain-auto-renew')).toEqual(['11:5-11:15', '15:17-15:22']);
    expect(messages(y, 'keychain-auto-renew')[0]).toBe('auto_renew has no effect on kind secrets: only oauth2, http, google_id_token entries can be renewed; remove it');
  });

  it('keychain-unknown-key with did-you-mean', () => {
    const y = pb(`  - name: a\n    kind: oauth2\n    endpont: https://x\n    ttl: 60\n`);
    expect(spans(y, 'keychain-unknown-key')).toEqual(['9:5-9:12', '10:5-10:8']);
    expect(messages(y, 'keychain-unknown-key')).toEqual([
      "unknown key 'endpont' in kind oauth2; did you mean 'endpoint'?",
      "unknown key 'ttl' in kind oauth2; did you mean 'ttl_seconds'?",
    ]);
  });

  it('undefined-keychain: did-you-mean and the list of declared entries', () => {
    const y = pb(good, `workflow:\n  - step: a\n    tool:\n      kind: http\n      headers:\n        Authorization: "Bearer {{ keychain.amadeus_tokn.access_token }}"\n`);
    expect(spans(y, 'undefined-keychain')).toEqual(['27:44-27:56']);
    expect(covered(y, 'undefined-keychain')).toEqual(['amadeus_tokn']);
    expect(messages(y, 'undefined-keychain')).toEqual(["keychain entry 'amadeus_tokn' is not declared; did you mean 'amadeus_token'? (declared: openai_token, amadeus_token)"]);
  });

  it('undefined-keychain: without a keychain section', () => {
    const y = `kind: Playbook\nworkflow:\n  - step: a\n    tool: http\n    endpoint: "{{ keychain.x.y }}"\n`;
    expect(messages(y, 'undefined-keychain')).toEqual(["keychain entry 'x' is not declared (this playbook has no keychain section)"]);
  });

  it('keychain-order: an entry used before it is declared', () => {
    const y = pb(`  - name: token
    kind: oauth2
    endpoint: https://x
    data:
      client_id: "{{ keychain.creds.client_id }}"
  - name: creds
    kind: static
    map: {client_id: a}
`);
    expect(spans(y, 'keychain-order')).toEqual(['11:31-11:36']);
    expect(messages(y, 'keychain-order')).toEqual(["keychain entry 'token' uses 'creds', which is declared after it (line 12); move 'creds' above 'token'"]);
    expect(spans(y, 'keychain-cycle')).toEqual([]);
  });

  it('keychain-cycle: direct and self cycles; no order finding on a cycle', () => {
    const y = pb(`  - name: a
    kind: http
    endpoint: "{{ keychain.b.url }}"
  - name: b
    kind: http
    endpoint: "{{ keychain.a.url }}"
  - name: c
    kind: http
    endpoint: "{{ keychain.c.url }}"
`);
    expect(spans(y, 'keychain-cycle')).toEqual(['9:28-9:29', '12:28-12:29', '15:28-15:29']);
    expect(messages(y, 'keychain-cycle')).toEqual(['keychain entries form a cycle: a → b → a', 'keychain entries form a cycle: b → a → b', 'keychain entries form a cycle: c → c']);
    expect(spans(y, 'keychain-order')).toEqual([]);
  });
});
