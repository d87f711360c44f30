import { describe, expect, it } from 'vitest';
import { covered, lint, messages, spans } from './helpers.js';

describe('undefined-workload-key', () => {
  it('reports an undeclared key with did-you-mean, at the key segment', () => {
    const y = `kind: Playbook\nworkload:\n  pg_auth: pg_local\nworkflow:\n  - step: a\n    tool:\n      kind: postgres\n      auth: "{{ workload.pg_aut }}"\n`;
    expect(spans(y, 'undefined-workload-key')).toEqual(['8:26-8:32']);
    expect(messages(y, 'undefined-workload-key')).toEqual(["workload key 'pg_aut' is not declared; did you mean 'pg_auth'? (workload declares: pg_auth)"]);
  });

  it('passes for declared keys, in both dialects', () => {
    const v1 = `apiVersion: noetl.io/v1\nkind: Playbook\nworkload:\n  pg_auth: pg_local\nworkflow:\n  - step: a\n    tool: postgres\n    auth: "{{ workload.pg_auth }}"\n    command: select 1\n`;
    const v2 = `apiVersion: noetl.io/v2\nkind: Playbook\nworkload:\n  pg_auth: pg_local\nworkflow:\n  - step: a\n    tool:\n      kind: postgres\n      auth: "{{ pg_auth }}"\n`;
    expect(lint(v1)).toEqual([]);
    expect(lint(v2)).toEqual([]);
  });
});

describe('undefined-reference', () => {
  const y = `kind: Playbook
workload:
  base_url: https://x
workflow:
  - step: fetch_data
    tool: { kind: http, url: "{{ base_url }}/items" }
    loop:
      in: "{{ workload.base_url }}"
      iterator: city
    next:
      - step: save
  - step: save
    tool:
      kind: postgres
      command: |
        {% for row in fetch_data.rows %}INSERT {{ row.id }} {{ city }} {{ execution_id }} {{ loop.index }}{% endfor %}
        {{ fetch_dta.id }} {{ base_ulr }} {{ mystery }} {{ __frame_max_rows }} {{ ctx.x }} {{ iter.item }}
`;
  it('reports unknown bare names with a did-you-mean for steps and workload keys', () => {
    expect(spans(y, 'undefined-reference')).toEqual(['17:12-17:21', '17:31-17:39', '17:46-17:53']);
    expect(messages(y, 'undefined-reference')).toEqual([
      "'fetch_dta' is not a step, a workload key or a variable; did you mean step 'fetch_data'?",
      "'base_ulr' is not a workload key, a step or a variable; did you mean 'base_url'?",
      "'mystery' is not a workload key, a step or a variable",
    ]);
  });

  it('knows steps, workload keys, loop iterators, template-bound names and runtime names', () => {
    const known = y.replace('{{ fetch_dta.id }} {{ base_ulr }} {{ mystery }} ', '');
    expect(known).not.toBe(y);
    expect(spans(known, 'undefined-reference')).toEqual([]);
  });

  it('knows names passed with with:/args:/input: (workbook tasks of the v1 dialect)', () => {
    const t = `apiVersion: noetl.io/v1\nkind: Playbook\nworkload:\n  cities: []\nworkflow:\n  - step: a\n    call:\n      name: fetch_weather\n      with:\n        city: "{{ workload.cities[0] }}"\nworkbook:\n  - name: fetch_weather\n    type: http\n    endpoint: "https://x/{{ city.lat }}"\n`;
    expect(spans(t, 'undefined-reference')).toEqual([]);
  });

  it('knows task names of a task-list tool and set: keys', () => {
    const t = `kind: Playbook\nworkflow:\n  - step: a\n    tool:\n      - name: build\n        kind: python\n      - name: send\n        kind: http\n        url: "{{ build.url }}"\n    set:\n      total: "{{ 1 }}"\n  - step: b\n    tool: { kind: http, url: "{{ total }}" }\n`;
    expect(spans(t, 'undefined-reference')).toEqual([]);
  });
});

describe('bearer variables', () => {
  const play = (steps: string) => `apiVersion: noetl.io/v1\nkind: Playbook\nworkload:\n  amadeus_auth: amadeus_credentials\nworkflow:\n${steps}`;
  const getToken = (next: string) => `  - step: get_token
    tool: python
    auth:
      credential: "{{ workload.amadeus_auth }}"
      bearer: true
      variable: amadeus_token
    code: "def main(auth_credential): return 'x'"
${next}`;
  const useToken = `  - step: call_api
    tool: http
    endpoint: https://x
    headers:
      Authorization: Bearer {{ amadeus_token }}
`;

  it('a variable used after the step that sets it is fine (following next)', () => {
    expect(lint(play(getToken('    next:\n      - step: call_api\n') + useToken))).toEqual([]);
  });

  it('bearer-variable-order: used in a step that runs before the setter', () => {
    const y = play(`  - step: start\n    tool: http\n    endpoint: https://x\n    headers:\n      Authorization: Bearer {{ amadeus_token }}\n    next:\n      - step: get_token\n${getToken('    next:\n      - step: end\n')}  - step: end\n`);
    expect(spans(y, 'bearer-variable-order')).toEqual(['10:32-10:45']);
    expect(messages(y, 'bearer-variable-order')).toEqual(["bearer variable 'amadeus_token' is set by step 'get_token', which cannot run before step 'start' (follow `next`)"]);
  });

  it('bearer-variable-order: used by the step that sets it', () => {
    const y = play(getToken('    args:\n      t: "{{ amadeus_token }}"\n'));
    expect(messages(y, 'bearer-variable-order')).toEqual(["bearer variable 'amadeus_token' is set by this same step, only when it completes"]);
  });

  it('bearer variables are known names (no undefined-reference)', () => {
    expect(spans(play(getToken('    next:\n      - step: call_api\n') + useToken), 'undefined-reference')).toEqual([]);
  });

  it('a bearer variable nobody sets is an undefined reference, with a hint', () => {
    const y = play(useToken);
    expect(covered(y, 'undefined-reference')).toEqual(['amadeus_token']);
    expect(messages(y, 'undefined-reference')).toEqual([
      "'amadeus_token' is not a workload key, a step or a variable; no step sets it: add `auth: {bearer: true, variable: amadeus_token}` to the step that fetches the token",
    ]);
  });

  it('v2 next arcs are followed', () => {
    const y = `apiVersion: noetl.io/v2\nkind: Playbook\nworkload:\n  amadeus_auth: a\nworkflow:\n  - step: get_token\n    tool:\n      kind: python\n      auth: { credential: "{{ workload.amadeus_auth }}", bearer: true, variable: amadeus_token }\n    next:\n      spec: { mode: exclusive }\n      arcs:\n        - step: call_api\n          when: "{{ event.name == 'step.done' }}"\n  - step: call_api\n    tool:\n      kind: http\n      headers: { Authorization: "Bearer {{ amadeus_token }}" }\n`;
    expect(lint(y)).toEqual([]);
  });
});

describe('template-syntax', () => {
  it('reports at the exact column, in any string of the playbook', () => {
    const y = `kind: Playbook\nworkflow:\n  - step: a\n    tool:\n      kind: http\n      url: "{{ workload.base_url }/v1"\n      command: "{% if x %}a"\n`;
    expect(spans(y, 'template-syntax')).toEqual(['6:34-6:35', '7:20-7:22']);
    expect(messages(y, 'template-syntax')).toEqual(["template: expected '}}' to close '{{', found a single '}'", "template: '{% if %}' is never closed with '{% endif %}'"]);
  });

  it('well-formed templates pass', () => {
    const y = `kind: Playbook\nworkflow:\n  - step: a\n    tool:\n      kind: http\n      url: "{{ (ctx.items | length) > 0 }}"\n`;
    expect(spans(y, 'template-syntax')).toEqual([]);
  });
});

describe('local-scope-to-child', () => {
  const y = (scope: string) => `apiVersion: noetl.io/v2
kind: Playbook
keychain:
  - name: project_context
    kind: http
    scope: ${scope}
    endpoint: https://x/init
workflow:
  - step: process
    tool:
      kind: playbook
      path: orchestration/child
      args:
        project_token: "{{ keychain.project_context.project_token }}"
  - step: v1_child
    tool: playbook
    path: orchestration/child
    args:
      token: "{{ keychain.project_context.project_token }}"
`;
  it('warns when a local entry is passed to a child playbook, in both dialects', () => {
    expect(spans(y('local'), 'local-scope-to-child')).toEqual(['14:28-14:66', '19:18-19:56']);
    expect(messages(y('local'), 'local-scope-to-child')[0]).toContain('use scope: shared');
  });
  it('passes with scope: shared', () => {
    expect(lint(y('shared'))).toEqual([]);
  });
});
