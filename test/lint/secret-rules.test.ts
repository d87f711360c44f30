import { describe, expect, it } from 'vitest';
import { lint, messages, spans } from './helpers.js';

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl';

describe('inline-auth-secret', () => {
  const y = `kind: Playbook
workflow:
  - step: a
    tool:
      kind: postgres
      auth:
        password: s3cr3t
  - step: b
    tool: http
    auth: "Bearer abcdefghijklmnopqrstuvwxyz123456"
  - step: c
    tool: http
    auth: ${JWT}
  - step: d
    tool:
      kind: http
      auth: sk-proj-abcdefghijklmnopqrstuvwx1234
`;
  it('reports literal secret material in auth, at the value', () => {
    expect(spans(y, 'inline-auth-secret')).toEqual(['7:19-7:25', '10:11-10:52', '13:11-13:60', '17:13-17:49']);
    expect(messages(y, 'inline-auth-secret')[0]).toBe("auth holds a literal 'password'; store it as a credential and reference it by name");
  });

  it('reports a workload key that auth uses when it holds secret material', () => {
    const y = `kind: Playbook\nworkload:\n  api_auth: sk-proj-abcdefghijklmnopqrstuvwx1234\nworkflow:\n  - step: a\n    tool: { kind: http, auth: "{{ workload.api_auth }}" }\n`;
    expect(spans(y, 'inline-auth-secret')).toEqual(['3:13-3:49']);
    expect(messages(y, 'inline-auth-secret')).toEqual(["workload key 'api_auth' is used as auth but holds what looks like secret material; it must name a credential"]);
  });

  it('passes for references: names, templates, mappings of references', () => {
    const ok = `kind: Playbook
workload:
  pg_auth: pg_local
workflow:
  - step: a
    tool: { kind: postgres, auth: pg_k8s }
  - step: b
    tool: { kind: postgres, auth: "{{ workload.pg_auth }}" }
  - step: c
    tool:
      kind: duckdb
      auth:
        pg_db: { source: credential, tool: postgres, key: "{{ pg_auth }}" }
        gcs: { source: adc }
  - step: d
    tool: python
    auth:
      credential: "{{ workload.pg_auth }}"
      bearer: true
      variable: pg_token
`;
    expect(lint(ok)).toEqual([]);
  });
});

describe('literal-secret', () => {
  const y = `kind: Playbook
workload:
  db_password: hunter2
  api_key: AKIAIOSFODNN7EXAMPLE
  openai_secret_path: projects/1/secrets/openai/versions/latest
  session_label: test_session_123
workflow:
  - step: a
    tool:
      kind: http
      headers:
        Authorization: Bearer abc123def456
        X-Token: "{{ keychain.t.access_token }}"
      payload:
        jwt: ${JWT}
        access_token: test_session_123
`;
  it('reports password-like keys, token-shaped keys, literal Authorization headers and JWTs', () => {
    expect(spans(y, 'literal-secret')).toEqual(['3:16-3:23', '4:12-4:32', '12:24-12:43', '15:14-15:63']);
    expect(messages(y, 'literal-secret')).toEqual([
      "literal value for 'db_password'; store it as a credential (noetl credential add) or a keychain entry and reference it with a template",
      "literal value for 'api_key'; store it as a credential (noetl credential add) or a keychain entry and reference it with a template",
      'literal Bearer credentials in the Authorization header; use a template such as "Bearer {{ keychain.<entry>.access_token }}"',
      "literal JWT in 'jwt'; store it as a credential and reference it",
    ]);
  });

  it('reports a PEM private key in a block scalar', () => {
    const pem = `kind: Playbook\nworkload:\n  sa:\n    key: |\n      -----BEGIN PRIVATE KEY-----\n      MIIE\n      -----END PRIVATE KEY-----\nworkflow: []\n`;
    expect(spans(pem, 'literal-secret')).toEqual(['5:7-5:34']);
  });
});

describe('bearer-without-variable', () => {
  it('reports bearer: true without variable, at the bearer key', () => {
    const y = `kind: Playbook\nworkflow:\n  - step: a\n    tool:\n      kind: python\n      auth:\n        credential: x_auth\n        bearer: true\n`;
    expect(spans(y, 'bearer-without-variable')).toEqual(['8:9-8:15']);
  });
  it('passes with a variable, or bearer: false', () => {
    const y = `kind: Playbook\nworkflow:\n  - step: a\n    tool: python\n    auth: { credential: x_auth, bearer: false }\n`;
    expect(spans(y, 'bearer-without-variable')).toEqual([]);
  });
});

describe('auth-ref-naming', () => {
  const y = `kind: Playbook
workload:
  pg_auth: pg_local
  postgres_password: pg_local
  oauth_cred: google_oauth
  api_key: openai_api_key
workflow:
  - step: a
    tool: { kind: postgres, auth: "{{ workload.pg_auth }}" }
  - step: b
    tool: { kind: postgres, auth: "{{ workload.postgres_password }}" }
  - step: c
    tool: { kind: http, auth: "{{ oauth_cred }}" }
  - step: d
    tool: { kind: http, auth: "{{ api_key }}" }
  - step: e
    tool: { kind: http, auth: "{{ api_key }}" }
`;
  it('warns once per misleading workload key, at its declaration, with the <service>_auth name', () => {
    expect(spans(y, 'auth-ref-naming')).toEqual(['4:3-4:20', '5:3-5:13', '6:3-6:10']);
    expect(messages(y, 'auth-ref-naming')).toEqual([
      "workload key 'postgres_password' is used as an auth reference (line 11) but sounds like the secret itself; name it 'postgres_auth' (the seeds' convention: <service>_auth)",
      "workload key 'oauth_cred' is used as an auth reference (line 13) but sounds like the secret itself; name it 'oauth_auth' (the seeds' convention: <service>_auth)",
      "workload key 'api_key' is used as an auth reference (line 15) but sounds like the secret itself; name it 'api_auth' (the seeds' convention: <service>_auth)",
    ]);
    // The key holds a credential name, not a password: no literal-secret finding for it.
    expect(spans(y, 'literal-secret')).toEqual([]);
  });
});

describe('variable-naming', () => {
  const step = (variable: string) => `kind: Playbook\nworkflow:\n  - step: get_amadeus_token\n    tool: python\n    auth:\n      credential: amadeus_auth\n      bearer: true\n      variable: ${variable}\n`;
  it('warns on camelCase and generic names, at the variable', () => {
    expect(spans(step('myToken'), 'variable-naming')).toEqual(['8:17-8:24']);
    expect(messages(step('myToken'), 'variable-naming')).toEqual(["variable 'myToken' is not lowercase_with_underscores"]);
    expect(messages(step('gcpAccessToken'), 'variable-naming')).toEqual(["variable 'gcpAccessToken' is not lowercase_with_underscores; use 'gcp_access_token'"]);
    expect(messages(step('token'), 'variable-naming')).toEqual(["variable 'token' is too generic; say whose token it is, e.g. 'amadeus_token'"]);
    expect(messages(step('var1'), 'variable-naming')).toEqual(["variable 'var1' is too generic; say whose token it is, e.g. 'amadeus_token'"]);
  });
  it('passes for descriptive snake_case names', () => {
    for (const ok of ['amadeus_token', 'gcp_access_token', 'computed_metrics']) expect(spans(step(ok), 'variable-naming')).toEqual([]);
  });
});
