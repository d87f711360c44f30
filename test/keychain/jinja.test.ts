import { describe, expect, it } from 'vitest';
import { renderTemplate, renderValue, templateRenderer, TemplateError, workloadContext } from '../../src/core/jinja.js';

describe('renderTemplate', () => {
  const context = workloadContext(
    { gcp_auth: 'google_oauth', project_id: 'p-1', n: 3 },
    { keychain: { amadeus_credentials: { client_id: 'abc' } } },
  );

  it('renders {{ workload.x }} and bare {{ x }} alike', async () => {
    expect(await renderTemplate('{{ workload.gcp_auth }}', context)).toBe('google_oauth');
    expect(await renderTemplate('{{ gcp_auth }}', context)).toBe('google_oauth');
    expect(await renderTemplate("{{ keychain['amadeus_credentials'].client_id }}", context)).toBe('abc');
  });

  it('supports Jinja2 filters and expressions', async () => {
    expect(await renderTemplate('{{ project_id | upper }}-{{ n * 2 }}', context)).toBe('P-1-6');
    expect(await renderTemplate('{% if n > 2 %}big{% else %}small{% endif %}', context)).toBe('big');
    expect(await renderTemplate("{{ missing | default('fallback') }}", context)).toBe('fallback');
  });

  it('leaves plain strings alone', async () => {
    expect(await renderTemplate('https://example.com/token', context)).toBe('https://example.com/token');
  });

  it('fails on an undefined variable, naming it, instead of rendering an empty string', async () => {
    await expect(renderTemplate('{{ keychain.other.client_secret }}', context)).rejects.toThrow(TemplateError);
    await expect(renderTemplate('{{ keychain.other.client_secret }}', context)).rejects.toThrow("'keychain.other' is not defined");
    await expect(renderTemplate('Bearer {{ nope }}', context)).rejects.toThrow("'nope' is not defined");
  });

  it('reports syntax errors', async () => {
    await expect(renderTemplate('{{ a + }}', context)).rejects.toThrow(/cannot render/);
  });
});

describe('renders what Python\'s Jinja2 renders (jinja-differential.test.ts compares the two)', () => {
  const context = { m: { a: 1, b: 'x' }, l: [1, 2, 3], t: true, n: null, f: 2.0, s: ' Hi There ', html: "<a href='x'>&</a>" };
  const render = (t: string) => renderTemplate(t, context);

  it('Python reprs for mappings, lists, booleans, None and floats', async () => {
    expect(await render('{{ m }} {{ l }} {{ t }} {{ n }} {{ f }} {{ 4 / 2 }} {{ [none, false, "it\'s"] }}')).toBe(`{'a': 1, 'b': 'x'} [1, 2, 3] True None 2 2.0 [None, False, "it's"]`);
  });

  it("tojson as Jinja2 writes it: sorted keys, ASCII only, <>&' escaped", async () => {
    expect(await render('{{ {"b": [1, 2.5], "a": none} | tojson }} {{ html | tojson }} {{ "é" | tojson }}')).toBe('{"a": null, "b": [1, 2.5]} "\\u003ca href=\\u0027x\\u0027\\u003e\\u0026\\u003c/a\\u003e" "\\u00e9"');
  });

  it('dict methods, default with its boolean argument, is defined / is none', async () => {
    expect(await render("{{ m.get('a') }} {{ m.get('z', 0) }} {{ m.items() | list }} {{ m.keys() | list }} {{ m.values() | list }}")).toBe("1 0 [('a', 1), ('b', 'x')] ['a', 'b'] [1, 'x']");
    expect(await render("{{ nope | default('d') }} {{ '' | default('e', true) }} {{ '' | d('e') }}| {{ nope is defined }} {{ n is none }}")).toBe('d e | False True');
  });

  it('string methods, Python integer division and modulo, raw blocks', async () => {
    expect(await render("{{ s.strip().upper() }} {{ s.split() }} {{ s.replace('i', 'I') }} {{ s.strip().startswith('Hi') }}")).toBe("HI THERE ['Hi', 'There']  HI There  True");
    expect(await render('{{ -7 // 2 }} {{ -7 % 3 }} {{ 7 % -3 }} {{ 7.5 // 2 }}')).toBe('-4 2 -2 3.0');
    expect(await render('{% raw %}{{ not rendered }}{% endraw %}')).toBe('{{ not rendered }}');
  });

  it('tells which undefined references default and is defined covered', async () => {
    const covered: string[] = [];
    const r = await templateRenderer({ workload: { a: 1 } }, { onCovered: (ref) => covered.push(ref) });
    expect(r("{{ workload.x | default('y') }} {{ workload.a }} {% if later is defined %}{{ later }}{% endif %}")).toBe('y 1 ');
    expect(covered).toEqual(['workload.x', 'later']);
  });

  it("one template's change in place (l.append) does not reach the next template of the same renderer", async () => {
    const r = await templateRenderer({ l: [1], m: { a: 1 } });
    expect(r("{{ l.append(2) }}{{ m.update({'b': 2}) }}{{ l }} {{ m }}")).toBe("NoneNone[1, 2] {'a': 1, 'b': 2}");
    expect(r('{{ l }} {{ m }}')).toBe("[1] {'a': 1}");
  });

  it('a string a worker passes through unrendered (no {{…}} or {%…%}) is returned as written', async () => {
    expect(await render('a lone {{ stays')).toBe('a lone {{ stays');
    expect(await render('only {# a comment #}')).toBe('only {# a comment #}');
  });
});

describe('renderValue', () => {
  it('renders every string of a nested value and keeps the rest', async () => {
    const out = await renderValue(
      { headers: { Authorization: 'Bearer {{ token }}' }, data: ['{{ workload.token }}', 5, true, null] },
      workloadContext({ token: 't0k' }),
    );
    expect(out).toEqual({ headers: { Authorization: 'Bearer t0k' }, data: ['t0k', 5, true, null] });
  });
});
