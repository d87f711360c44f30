/**
 * The false findings issue 17 measured on real upstream playbooks, one test per cause, each on a
 * small playbook written here that shows the construct. Each test also shows the finding that
 * must stay (the same name where the DSL version or the place does not provide it).
 */
import { describe, expect, it } from 'vitest';
import { lint, messages } from './helpers.js';

/** `rule: message` of every finding. */
const all = (yaml: string) => lint(yaml).map((f) => `${f.start.line}:${f.ruleId}: ${f.message}`);

describe('what each DSL version puts in scope', () => {
  it('v1 save context: this, params, data, count and results inside save:/sink:', () => {
    const y = `apiVersion: noetl.io/v1
kind: Playbook
workload:
  pg_auth: pg_local
workflow:
  - step: fetch
    tool: http
    endpoint: https://api.example.com/items
    save:
      storage: postgres
      auth: "{{ workload.pg_auth }}"
      statement: "INSERT INTO t (id, body) VALUES ({{ params.id }}, '{{ this.data | tojson }}')"
      params:
        id: "{{ this.data.id }}"
  - step: loop
    tool: iterator
    collection: "{{ fetch.data }}"
    element: item
    task:
      tool: http
      endpoint: "https://api.example.com/items/{{ item.id }}"
      save: { name: per_item, data: "{{ this.data }}" }
    sink:
      data: { n: "{{ count }}", all: "{{ results }}", first: "{{ data.first }}" }
`;
    expect(all(y)).toEqual([]);
  });

  it('this in v1 is the current step result anywhere in a step; in v2 only inside save:/sink:', () => {
    const step = (api: string) => `apiVersion: noetl.io/${api}\nkind: Playbook\nworkflow:\n  - step: a\n    tool: { kind: python, code: "{{ this.data }}" }\n`;
    expect(all(step('v1'))).toEqual([]);
    expect(messages(step('v2'), 'undefined-reference')).toEqual(["'this' is not a step, a workload key or a variable; the runtime provides it only inside a save:/sink: block"]);
  });

  it('unified auth: {{ auth.<alias>.<field> }}', () => {
    const y = `apiVersion: noetl.io/v2
kind: Playbook
workload:
  pg_auth: pg_local
workflow:
  - step: attach
    tool:
      kind: duckdb
      auth:
        pg_db: { source: credential, type: postgres, key: "{{ workload.pg_auth }}" }
      commands: "ATTACH 'host={{ auth.pg_db.db_host }} dbname={{ auth.pg_db.db_name }}' AS pg_db (TYPE postgres)"
`;
    expect(all(y)).toEqual([]);
  });

  it("v2 top-level ctx: its keys are the caller's inputs, in scope like workload keys", () => {
    const y = `apiVersion: noetl.io/v2
kind: Playbook
workload:
  region: eu
ctx:
  customer_id: "{{ customer_id }}"
  region: "{{ workload.region }}"
workflow:
  - step: lookup
    tool: { kind: http, url: "https://api.example.com/customers/{{ customer_id }}?r={{ ctx.region }}" }
    next:
      arcs:
        - step: done
          args: { id: "{{ customer_id }}" }
  - step: done
    tool: { kind: python, code: "{{ args.id }} {{ customr_id }}" }
`;
    expect(all(y)).toEqual(["16:undefined-reference: 'customr_id' is not a workload key, a step or a variable; did you mean 'customer_id'?"]);
  });

  it('v2 policy rules: outcome, _prev, _task and _attempt (outcome only inside spec.policy)', () => {
    const y = `apiVersion: noetl.io/v2
kind: Playbook
workflow:
  - step: fetch
    tool:
      - call:
          kind: http
          url: https://api.example.com/ping
          spec:
            policy:
              rules:
                - when: "{{ outcome.status == 'error' and outcome.http.status in [429, 503] and _attempt < 3 }}"
                  then: { do: retry, attempts: 5 }
                - else:
                    then: { do: continue, set_ctx: { last_task: "{{ _task }}" } }
      - store:
          kind: python
          code: "rows = {{ _prev.rows | tojson }}"
      - report:
          kind: python
          code: "status = '{{ outcome.status }}'"
`;
    expect(all(y)).toEqual(["21:undefined-reference: 'outcome' is not a step, a workload key or a variable; the runtime provides it only inside a spec.policy block"]);
    // A v1 playbook has no pipelines or policies: the names are not its runtime's.
    expect(messages(y.replace('noetl.io/v2', 'noetl.io/v1'), 'undefined-reference')[0]).toBe(
      "'outcome' is not a step, a workload key or a variable; it is a v2 name and this playbook is apiVersion noetl.io/v1 (and 2 more uses in this file)",
    );
  });

  it('keychain spellings upstream accepts: type:, credential_ref, google_oauth, google_service_account, google, ref:', () => {
    const y = `apiVersion: noetl.io/v2
kind: Playbook
keychain:
  - name: gcs
    type: google_oauth
    ref: google_oauth
  - name: sa
    kind: google_service_account
    ref: gcs_sa
  - name: g
    type: google
  - name: pg
    kind: credential_ref
    ref: pg_local
workflow:
  - step: a
    tool: { kind: http, url: "https://x", headers: { Authorization: "Bearer {{ keychain.gcs.access_token }} {{ keychain.sa.x }} {{ keychain.g.x }} {{ keychain.pg.x }}" } }
`;
    expect(all(y)).toEqual([]);
  });

  it('duplicate keys: NoETL reads the last value (PyYAML), so do the other rules; the duplicate is still reported', () => {
    const y = `apiVersion: noetl.io/v2
kind: Playbook
workload:
  old_auth: pg_old
workload:
  pg_auth: pg_local
workflow:
  - step: a
    tool: { kind: postgres, auth: "{{ workload.pg_auth }}", command: "select '{{ workload.old_auth }}'" }
`;
    expect(all(y)).toEqual([
      "3:duplicate-key: duplicate key 'workload': NoETL reads the last one (line 5) and ignores this value; merge them or remove one",
      "9:undefined-workload-key: workload key 'old_auth' is not declared (workload declares: pg_auth)",
    ]);
  });

  it('an apiVersion lint does not know (a design proposal): result: <name> and chunk are read; other names are one warning each', () => {
    const y = `apiVersion: noetl.io/v3alpha
kind: Playbook
workload:
  items: []
workflow:
  - step: summarize
    result: summary
    loop:
      in: "{{ workload.items }}"
      chunk: 50
    tool: { kind: python, code: "{{ chunk | length }} {{ fancy.a }} {{ fancy.b }} {{ fancy.c }}" }
  - step: publish
    tool: { kind: http, url: "https://x/{{ summary.id }}" }
`;
    expect(lint(y).map((f) => `${f.severity}: ${f.message}`)).toEqual([
      "warning: 'fancy' is not a step, a workload key or a variable; this playbook's apiVersion noetl.io/v3alpha is not one lint knows (noetl.io/v1, noetl.io/v2), so it may provide the name (and 2 more uses in this file)",
    ]);
    // chunk is the batch of a step that declares chunk:, not a name anywhere.
    expect(messages(y.replace('      chunk: 50\n', ''), 'undefined-reference')[0]).toContain("'chunk' is not a workload key, a step or a variable; the runtime provides it only in a step that declares chunk:");
  });

  it('one finding per unknown name, key or entry per file, counting the rest', () => {
    const y = `kind: Playbook\nworkload:\n  a: 1\nworkflow:\n  - step: s\n    tool: { kind: python, code: "{{ nope }} {{ nope.x }} {{ workload.b }} {{ workload.b }} {{ keychain.k.v }} {{ keychain.k.w }}" }\n`;
    expect(all(y)).toEqual([
      "6:undefined-reference: 'nope' is not a workload key, a step or a variable (and 1 more use in this file)",
      "6:undefined-workload-key: workload key 'b' is not declared; did you mean 'a'? (workload declares: a) (and 1 more use in this file)",
      "6:undefined-keychain: keychain entry 'k' is not declared (this playbook has no keychain section) (and 1 more use in this file)",
    ]);
  });

  it('a secret-manager path is not secret material, however long; in auth it is auth-secret-path', () => {
    const path = 'projects/my-very-long-project-name-1234567890/secrets/openai-api-key-for-production/versions/latest';
    expect(path.length).toBeGreaterThan(64);
    const y = `kind: Playbook\nworkload:\n  openai_secret_path: ${path}\nworkflow:\n  - step: a\n    tool: { kind: http, url: "https://x", auth: ${path} }\n`;
    expect(lint(y).map((f) => f.ruleId)).toEqual(['auth-secret-path']);
  });

  it('auth-ref-naming: *_credential names a credential and is fine; *_password still reads like the secret', () => {
    const y = (key: string) => `kind: Playbook\nworkload:\n  ${key}: pg_local\nworkflow:\n  - step: a\n    tool: { kind: postgres, auth: "{{ workload.${key} }}" }\n`;
    expect(all(y('db_credential'))).toEqual([]);
    expect(all(y('db_credentials'))).toEqual([]);
    expect(messages(y('db_password'), 'auth-ref-naming')).toHaveLength(1);
  });
});
