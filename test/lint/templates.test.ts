import { describe, expect, it } from 'vitest';
import { hasTemplate, scanTemplate } from '../../src/core/templates.js';

const refs = (text: string) => scanTemplate(text).references.map((r) => [r.root, ...r.path.map((p) => p.name)].join('.'));

describe('scanTemplate', () => {
  it('finds expression, statement and comment spans with exact offsets', () => {
    const text = 'a {{ x }} b {% if y %}c{% endif %} {# note #}';
    const s = scanTemplate(text);
    expect(s.errors).toEqual([]);
    expect(s.spans.map((sp) => [sp.kind, text.slice(sp.start, sp.end), text.slice(sp.innerStart, sp.innerEnd)])).toEqual([
      ['expression', '{{ x }}', ' x '],
      ['statement', '{% if y %}', ' if y '],
      ['statement', '{% endif %}', ' endif '],
      ['comment', '{# note #}', ' note '],
    ]);
  });

  it('extracts dotted references with the offset of every segment', () => {
    const text = 'Bearer {{ keychain.amadeus_token.access_token }}';
    const [r] = scanTemplate(text).references;
    expect(r.root).toBe('keychain');
    expect(text.slice(r.start, r.end)).toBe('keychain.amadeus_token.access_token');
    expect(r.path.map((p) => text.slice(p.start, p.end))).toEqual(['amadeus_token', 'access_token']);
  });

  it('reads subscripts with string keys as path segments, and stops at computed ones', () => {
    expect(refs("{{ workload['pg_auth'] }}")).toEqual(['workload.pg_auth']);
    expect(refs('{{ rows[i].id }}')).toEqual(['rows', 'i']);
  });

  it('skips filters, tests, keyword arguments, called functions, method calls and literals', () => {
    expect(refs("{{ x | default('a') | int }}")).toEqual(['x']);
    expect(refs('{{ y is defined and z is not none }}')).toEqual(['y', 'z']);
    expect(refs('{{ range(3) }} {{ token(google_auth) }}')).toEqual(['google_auth']);
    expect(refs('{{ lookup(name=val) }}')).toEqual(['val']);
    expect(refs('{{ result.items() }} {{ data.get("k") }}')).toEqual(['result', 'data']);
    expect(refs('{{ true and none or False }}')).toEqual([]);
  });

  it('does not report names the string binds itself', () => {
    const text = '{% for row in rows %}{{ row.id }} {{ loop.index }}{% endfor %}{% set n = 3 %}{{ n }}';
    expect(refs(text)).toEqual(['rows']);
    expect([...scanTemplate(text).bound].sort()).toEqual(['loop', 'n', 'row']);
  });

  it('accepts whitespace control and brackets that contain }}', () => {
    expect(scanTemplate("{{- {'a': {'b': 1}} -}}").errors).toEqual([]);
    expect(scanTemplate('{%- if x -%}y{%- endif -%}').errors).toEqual([]);
  });

  it('skips {% raw %} bodies', () => {
    const s = scanTemplate('{% raw %}{{ not a ref {% endraw %}{{ real }}');
    expect(s.errors).toEqual([]);
    expect(s.references.map((r) => r.root)).toEqual(['real']);
  });

  const errorAt = (text: string) => {
    const [e] = scanTemplate(text).errors;
    return e && { at: e.start, text: text.slice(e.start, e.end), message: e.message };
  };

  it('reports an unclosed {{ at the opening delimiter, and a single } where }} was meant', () => {
    expect(errorAt('url: {{ workload.base_url')).toMatchObject({ at: 5, text: '{{', message: "'{{' is never closed with '}}'" });
    expect(errorAt('url: {{ workload.base_url }/x')).toMatchObject({ at: 26, text: '}', message: "expected '}}' to close '{{', found a single '}'" });
  });

  it('reports unbalanced brackets and unterminated strings at the exact column', () => {
    expect(errorAt("{{ f(a }}")).toMatchObject({ at: 4, text: '(' });
    expect(errorAt("{{ a ] }}")).toMatchObject({ at: 5, text: ']' });
    expect(errorAt("{{ 'abc }}")).toMatchObject({ at: 3, message: 'unterminated string literal' });
  });

  it('reports two operands in a row, dangling operators, bad characters and empty expressions', () => {
    expect(errorAt('{{ a b }}')).toMatchObject({ at: 5, text: 'b' });
    expect(errorAt('{{ a. }}')).toMatchObject({ at: 4, text: '.' });
    expect(errorAt('{{ a | }}')).toMatchObject({ at: 5, text: '|' });
    expect(errorAt('{{ a ; b }}')).toMatchObject({ at: 5, message: "unexpected character ';'" });
    expect(errorAt('x {{ }}')).toMatchObject({ at: 2, message: 'empty expression' });
  });

  it('reports unbalanced and unknown block tags at the tag name', () => {
    expect(errorAt('{% if x %}a')).toMatchObject({ at: 3, text: 'if', message: "'{% if %}' is never closed with '{% endif %}'" });
    expect(errorAt('a{% endif %}')).toMatchObject({ at: 4, text: 'endif' });
    expect(errorAt('{% for x in y %}{% endif %}')).toMatchObject({ at: 19, text: 'endif' });
    expect(errorAt('{% else %}')).toMatchObject({ at: 3, text: 'else' });
    expect(errorAt('{% iff x %}')).toMatchObject({ at: 3, message: "unknown tag 'iff'" });
  });

  it('accepts the forms real playbooks use', () => {
    for (const ok of [
      "{{ (workload.items | length) > 0 and ctx.enabled }}",
      '{{ -1 }} {{ not x }} {{ a if b else c }} {{ [1, 2][0] }} {{ {"k": v}.k }}',
      '{{ x ~ "-" ~ y }} {{ a // 2 ** 3 % 4 }}',
      "{% if iter.t == 'a' %}1{% elif iter.t == 'b' %}2{% else %}3{% endif %}",
      '{% set ns = namespace(n=0) %}{% for i in range(3) %}{% set ns.n = ns.n + i %}{% endfor %}',
    ]) {
      expect(scanTemplate(ok).errors, ok).toEqual([]);
    }
  });

  it('hasTemplate is a cheap pre-check', () => {
    expect(hasTemplate('plain')).toBe(false);
    expect(hasTemplate('a {{ b }}')).toBe(true);
  });
});

describe('scanTemplate bindings', () => {
  it('macro names and parameters are bound; defaults and call arguments are references (read where the macro is, as Jinja2 reads them)', () => {
    const text = '{% macro row(id, label=default_label) %}{{ id }} {{ label }} {{ caller }}{% endmacro %}{% call row(user_id) %}{% endcall %}';
    expect(scanTemplate(text).errors).toEqual([]);
    expect(scanTemplate(text).references.map((r) => r.root)).toEqual(['default_label', 'user_id']);
  });

  it("scopes names as Jinja2 does: a loop's names inside its body, a set from there on in its block", () => {
    expect(refs('{% for i in items %}{{ i }}{% else %}{{ i }}{% endfor %}{{ loop.index }}')).toEqual(['items', 'i', 'loop.index']);
    expect(refs('{{ n }}{% set n = 1 %}{{ n }}{% if a %}{% set m = 2 %}{{ m }}{% endif %}{{ m }}')).toEqual(['n', 'a', 'm']);
    expect(refs('{% for x in xs if x.ok %}{{ x.id }}{% endfor %}')).toEqual(['xs']);
  });

  it('a name every branch of an if/else sets is set after it, as Jinja2 renders it (jinja2.meta would count it as read)', () => {
    expect(refs('{% if a %}{% set x = 1 %}{% else %}{% set x = 2 %}{% endif %}{{ x }}')).toEqual(['a']);
    expect(refs('{% if a %}{% set x = 1 %}{% endif %}{{ x }}')).toEqual(['a', 'x']);
    expect(refs('{% if a %}{% set x = 1 %}{% elif b %}{% set y = 2 %}{% else %}{% set x = 3 %}{% endif %}{{ x }}')).toEqual(['a', 'b', 'x']);
  });

  it('reads context, missing, recursive and the like as names where Jinja2 does', () => {
    expect(refs('{{ context.workload.x }} {% if missing.ok %}{% endif %} {% for r in recursive.rows recursive %}{% endfor %}')).toEqual(['context.workload.x', 'missing.ok', 'recursive.rows']);
    expect(refs("{% include 'x.j2' ignore missing with context %}")).toEqual([]);
  });

  it('with-assignments and set blocks bind their names', () => {
    const text = '{% with a = b %}{{ a }}{% endwith %}{% set body %}x{% endset %}{{ body }}';
    expect(scanTemplate(text).errors).toEqual([]);
    expect(scanTemplate(text).references.map((r) => r.root)).toEqual(['b']);
  });
});
