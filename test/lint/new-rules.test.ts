/**
 * The findings issue 17 found missing on real upstream playbooks, each as a rule (or a hint), on
 * small playbooks written here: what is reported, where, and what is not.
 */
import { describe, expect, it } from 'vitest';
import { covered, lint, messages } from './helpers.js';

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

describe('unused-keychain-entry', () => {
  const y = (workflow: string, scope = 'global') => `apiVersion: noetl.io/v2
kind: Playbook
workload:
  gcp_auth: google_oauth
keychain:
  - name: openai_token
    kind: secrets
    provider: gcp
    scope: ${scope}
    auth: "{{ workload.gcp_auth }}"
    map: { api_key: projects/1/secrets/openai/versions/latest }
  - name: amadeus_credentials
    kind: static
    map: { client_id: a }
  - name: amadeus_token
    kind: oauth2
    endpoint: https://auth.example.com/token
    data: { client_id: "{{ keychain.amadeus_credentials.client_id }}" }
workflow:
${workflow}`;

  it('reports an entry nothing uses, at its name; an entry used by another entry counts as used', () => {
    const w = '  - step: a\n    tool: { kind: http, url: "https://x", headers: { Authorization: "Bearer {{ keychain.amadeus_token.access_token }}" } }\n';
    expect(covered(y(w), 'unused-keychain-entry')).toEqual(['openai_token']);
    expect(messages(y(w), 'unused-keychain-entry')).toEqual([
      "keychain entry 'openai_token' is resolved on every run but nothing uses it ({{ keychain.openai_token.<field> }}); remove it, or fix the template that should use it",
    ]);
  });

  it('an entry named elsewhere in the file (auth: NAME, token(NAME), a workload value) is used', () => {
    const w = '  - step: a\n    tool: { kind: http, url: "https://x", auth: openai_token, headers: { X: "{{ keychain.amadeus_token.access_token }}" } }\n';
    expect(messages(y(w), 'unused-keychain-entry')).toEqual([]);
  });

  it('a shared entry of a playbook that starts child playbooks is left to the children', () => {
    const w = '  - step: a\n    tool: { kind: playbook, path: child, args: { t: "{{ keychain.amadeus_token.access_token }}" } }\n';
    expect(messages(y(w, 'shared'), 'unused-keychain-entry')).toEqual([]);
    expect(messages(y(w, 'global'), 'unused-keychain-entry')).toHaveLength(1);
  });
});

describe('literal-secret-default', () => {
  const y = (workload: string) => `kind: Playbook\nworkload:\n${workload}workflow:\n  - step: a\n    tool: { kind: python, code: "1" }\n`;

  it('an API key, a DSN with a password, a password default; at the literal, never quoting it', () => {
    const found = y(`  openai_key: "{{ input.openai_key | default('sk-live-key-for-demo') }}"
  db_url: "{{ env.DATABASE_URL | default('postgresql://app:hunter2@db:5432/app') }}"
  db_password: "{{ env.POSTGRES_PASSWORD | default('demo') }}"
  client_secret: "{{ input.secret | d('not-so-secret') }}"
`);
    expect(covered(found, 'literal-secret-default')).toEqual(["'sk-live-key-for-demo'", "'postgresql://app:hunter2@db:5432/app'", "'demo'", "'not-so-secret'"]);
    const texts = messages(found, 'literal-secret-default');
    expect(texts[0]).toBe('the default of input.openai_key has the shape of an API key or token: a default is written in the playbook (the catalog, logs); drop it, or read the value from a credential or a keychain entry');
    expect(texts[1]).toContain('is a connection URL with a password in it');
    expect(texts[2]).toContain('the default of env.POSTGRES_PASSWORD is a literal password (POSTGRES_PASSWORD)');
    expect(texts[3]).toContain('the default of input.secret is a literal password (secret)');
    for (const t of texts) expect(t).not.toMatch(/hunter2|demo'|sk-live/);
  });

  it('defaults that are not secrets pass: a host, a public client id, an empty default, a DSN without a password', () => {
    const clean = y(`  pg_host: "{{ env.POSTGRES_HOST | default('database') }}"
  client_id: "{{ input.client_id | default('Jqop7YoaiZalLHdBRo5ScNQ1RJhbhbDN') }}"
  db_password: "{{ env.POSTGRES_PASSWORD | default('') }}"
  db_url: "{{ env.DATABASE_URL | default('postgresql://app@db/app') }}"
  token: "{{ input.token | default(keychain_token) }}"
`);
    expect(messages(clean, 'literal-secret-default')).toEqual([]);
  });
});

describe('auth-secret-path', () => {
  const path = 'projects/123/secrets/openai-key/versions/latest';

  it('a secret-manager path in auth, directly, through a workload key, in a keychain entry or a credential alias', () => {
    const y = `kind: Playbook
workload:
  openai_auth: ${path}
keychain:
  - name: openai_token
    kind: secrets
    provider: gcp
    auth: arn:aws:secretsmanager:us-east-1:123:secret:gcp-sa
    map: { api_key: ${path} }
workflow:
  - step: a
    tool: { kind: http, url: "https://x/{{ keychain.openai_token.api_key }}", auth: "{{ workload.openai_auth }}" }
  - step: b
    tool: { kind: http, url: "https://x", auth: "https://kv.vault.azure.net/secrets/api" }
  - step: c
    tool:
      kind: duckdb
      auth:
        pg: { source: credential, key: ${path} }
        openai: { type: bearer, provider: secret_manager, key: ${path} }
`;
    expect(covered(y, 'auth-secret-path')).toEqual(['arn:aws:secretsmanager:us-east-1:123:secret:gcp-sa', 'workload.openai_auth', '"https://kv.vault.azure.net/secrets/api"', path]);
    expect(messages(y, 'auth-secret-path')[1]).toContain("(workload key 'openai_auth' holds the path)");
    // Not secret material: inline-auth-secret and literal-secret leave the paths alone.
    expect(lint(y).map((f) => f.ruleId)).toEqual(['auth-secret-path', 'auth-secret-path', 'auth-secret-path', 'auth-secret-path']);
  });

  it('a credential name passes', () => {
    const y = `kind: Playbook\nworkload:\n  openai_auth: openai_api_key\nworkflow:\n  - step: a\n    tool: { kind: http, url: "https://x", auth: "{{ workload.openai_auth }}" }\n`;
    expect(lint(y)).toEqual([]);
  });
});

describe('password-via-workload', () => {
  const y = (field: string) => `kind: Playbook
workload:
  pg_password: "{{ payload.pg_password }}"
  db_password_from_keychain: "{{ keychain.db.password }}"
keychain:
  - name: db
    kind: credential
    ref: pg_local
  - name: session
    kind: oauth2
    endpoint: https://auth.example.com/login
    data: { password: "{{ workload.pg_password }}" }
workflow:
  - step: a
    tool:
      kind: python
${field}
  - step: b
    tool: { kind: http, url: "https://x/{{ keychain.session.access_token }}" }
`;

  it('a password field of a step filled from the workload, in with:/input:/args: or on the tool', () => {
    const w = y('      input:\n        db_password: "{{ workload.pg_password }}"\n        password: "{{ pg_password }}"');
    expect(covered(w, 'password-via-workload')).toEqual(['workload.pg_password', 'pg_password']);
    expect(messages(w, 'password-via-workload')[0]).toBe(
      "'db_password' takes a password from workload key 'pg_password': the workload is plain input (the payload, the execution's events and logs); give the step the credential with auth: or read it from a keychain entry",
    );
  });

  it("not: a keychain entry (a user's session), a request body (a login), a workload key that reads the keychain", () => {
    expect(messages(y('      json:\n        password: "{{ workload.pg_password }}"'), 'password-via-workload')).toEqual([]);
    expect(messages(y('      input:\n        db_password: "{{ workload.db_password_from_keychain }}"'), 'password-via-workload')).toEqual([]);
  });
});

describe('references: context.workload keys and hints that point at keychain. or workload.', () => {
  const y = (template: string) => `kind: Playbook
workload:
  pg_auth: pg_local
keychain:
  - name: ib_paper
    kind: credential
workflow:
  - step: a
    tool: { kind: postgres, auth: "${template}", command: "{{ keychain.ib_paper.username }}" }
`;

  it('{{ context.workload.x }} names a declared key', () => {
    expect(messages(y('{{ context.workload.pg_auth }}'), 'undefined-workload-key')).toEqual([]);
    expect(covered(y('{{ context.workload.pg_aut }}'), 'undefined-workload-key')).toEqual(['pg_aut']);
    expect(messages(y('{{ context.workload.pg_aut }}'), 'undefined-workload-key')).toEqual(["workload key 'pg_aut' is not declared; did you mean 'pg_auth'? (workload declares: pg_auth)"]);
  });

  it('a keychain entry used bare or as a workload key: did you mean keychain.<name>', () => {
    expect(messages(y('{{ ib_paper.username }}'), 'undefined-reference')).toEqual(["'ib_paper' is not a step, a workload key or a variable; did you mean keychain.ib_paper?"]);
    expect(messages(y('{{ workload.ib_paper.username }}'), 'undefined-workload-key')).toEqual(["workload key 'ib_paper' is not declared; did you mean keychain.ib_paper? (workload declares: pg_auth)"]);
  });

  it('a workload key read from the keychain: did you mean workload.<name>', () => {
    expect(messages(y('{{ keychain.pg_auth }}'), 'undefined-keychain')).toEqual(["keychain entry 'pg_auth' is not declared; did you mean workload.pg_auth? (declared: ib_paper)"]);
  });
});

describe('command_b64: the decoded SQL is checked', () => {
  const y = (sql: string) => `kind: Playbook
workload:
  table: events
workflow:
  - step: save
    tool:
      kind: postgres
      auth: pg_local
      command_b64: ${b64(sql)}
`;

  it('its templates are checked like any other, reported at the scalar, saying it was decoded', () => {
    const bad = y("INSERT INTO {{ workload.tabel }} VALUES ('{{ execution_id }}', '{{ mystery }}', '{{ workload.table }");
    const found = lint(bad).map((f) => `${f.start.line}:${f.start.col}-${f.end.line}:${f.end.col} ${f.ruleId}: ${f.message}`);
    const at = `9:20-9:${20 + b64("INSERT INTO {{ workload.tabel }} VALUES ('{{ execution_id }}', '{{ mystery }}', '{{ workload.table }").length}`;
    expect(found).toEqual([
      `${at} template-syntax: template: expected '}}' to close '{{', found a single '}' (in the base64-decoded command_b64)`,
      `${at} undefined-reference: 'mystery' is not a workload key, a step or a variable (in the base64-decoded command_b64)`,
      `${at} undefined-workload-key: workload key 'tabel' is not declared; did you mean 'table'? (workload declares: table) (in the base64-decoded command_b64)`,
    ]);
    const unclosedFixed = y("INSERT INTO {{ workload.tabel }} VALUES ('{{ execution_id }}', '{{ mystery }}')");
    expect(lint(unclosedFixed).map((f) => `${f.ruleId}: ${f.message}`)).toEqual([
      "undefined-reference: 'mystery' is not a workload key, a step or a variable (in the base64-decoded command_b64)",
      "undefined-workload-key: workload key 'tabel' is not declared; did you mean 'table'? (workload declares: table) (in the base64-decoded command_b64)",
    ]);
  });

  it('well-formed decoded SQL, and base64 without templates, pass', () => {
    expect(lint(y("INSERT INTO {{ workload.table }} VALUES ('{{ execution_id }}')"))).toEqual([]);
    expect(lint(y('SELECT 1'))).toEqual([]);
  });
});
