import { afterEach, describe, expect, it } from 'vitest';
import { MASKED, renderTemplate, renderValue, secret, TEMPLATE_LIMITS, TemplateError, workloadContext } from '../../src/core/jinja.js';

/** What a payload tries to run: it would leave a mark on the process. */
const RUN = "globalThis.__noetl_escape = 'ran'";
const escaped = () => (globalThis as Record<string, unknown>).__noetl_escape;

/**
 * Template-injection payloads known against JavaScript and Python template engines: constructor
 * chains to `Function`, `__proto__`, `toString.call`, nunjucks' `joiner`/`cycler` objects,
 * builtins and filters that return functions, Python-style `__globals__` walks.
 */
const PAYLOADS = [
  `{{ range.constructor("${RUN}")() }}`,
  `{{ range.constructor.constructor("${RUN}")() }}`,
  `{{ namespace.constructor("${RUN}")() }}`,
  `{{ ''.constructor.constructor("${RUN}")() }}`,
  `{{ "x".upper.constructor("${RUN}")() }}`,
  `{{ [].constructor.constructor("${RUN}")() }}`,
  `{{ ({}).constructor.constructor("${RUN}")() }}`,
  `{{ (1).constructor.constructor("${RUN}")() }}`,
  `{{ keychain.__proto__.constructor.constructor("${RUN}")() }}`,
  `{{ keychain['__proto__']['constructor']['constructor']("${RUN}")() }}`,
  `{{ keychain.get.constructor("${RUN}")() }}`,
  `{{ keychain.items.call.constructor("${RUN}")() }}`,
  `{{ workload.url.replace.constructor("${RUN}")() }}`,
  `{{ ''.toString.call.constructor("${RUN}")() }}`,
  `{{ range.toString.call(range) }}`,
  `{{ range.apply(none, [1]) }}`,
  `{{ range.bind }}`,
  `{{ joiner().constructor.constructor("${RUN}")() }}`,
  `{{ joiner.constructor("${RUN}")() }}`,
  `{{ cycler(1, 2).next.constructor("${RUN}")() }}`,
  `{{ cycler.constructor("${RUN}")() }}`,
  `{{ lipsum.__globals__ }}`,
  `{{ self.__init__.__globals__.__builtins__ }}`,
  `{{ ''.__class__.__mro__[1].__subclasses__() }}`,
  `{{ cycler.__init__.__globals__.os.popen('id').read() }}`,
  `{{ (keychain | items | first)[1].constructor.constructor("${RUN}")() }}`,
  `{{ (workload | list | first).constructor }}`,
  `{{ workload | constructor }}`,
  `{{ 'x' | constructor }}`,
  `{{ workload is constructor }}`,
  `{% set f = range.constructor %}{{ f("${RUN}")() }}`,
  `{% for c in [range] %}{{ c.constructor("${RUN}")() }}{% endfor %}`,
  `{% macro m() %}{{ caller.constructor("${RUN}")() }}{% endmacro %}{% call m() %}x{% endcall %}`,
  `{{ process.mainModule }}`,
  `{{ globalThis }}`,
  `{{ global }}`,
  `{{ require('child_process') }}`,
  `{{ this }}`,
  `{{ constructor }}`,
  `{{ __proto__ }}`,
  `{{ raise_exception('x') }}`,
  `{{ strftime_now('%Y') }}`,
  // What the Python-faithful renderer adds: str.format fields, method objects, dict views,
  // filters and tests that look attributes up by name, loop/namespace/range objects, with, mutators.
  `{{ '{0.__class__}'.format(workload) }}`,
  `{{ '{0.__class__.__mro__[1].__subclasses__}'.format('') }}`,
  `{{ '{0.constructor.constructor}'.format(workload) }}`,
  `{{ '{0[constructor]}'.format(workload) }}`,
  `{{ '{0.upper.constructor}'.format('x') }}`,
  `{{ '{0.__globals__}'.format(range) }}`,
  `{{ '{constructor}'.format_map(workload) }}`,
  `{{ '%(constructor)s' % workload }}`,
  `{{ '%s' % range.constructor }}`,
  `{{ "x".format.constructor("${RUN}")() }}`,
  `{{ workload.items().__class__ }}{{ workload.items().mapping }}{{ workload.items().constructor }}`,
  `{{ workload.get.__self__ }}{{ workload.get.__func__ }}{{ 'x'.upper.__self__ }}`,
  `{{ workload | attr('__class__') }}{{ workload | attr('constructor') }}{{ 'x' | attr('constructor') }}`,
  `{{ [workload] | map(attribute='constructor') | list }}`,
  `{{ [workload] | map(attribute='__proto__.constructor') | list }}`,
  `{{ [workload] | selectattr('constructor') | list }}{{ [workload] | sort(attribute='constructor') }}{{ [workload] | groupby('constructor') }}`,
  `{{ [workload] | map('constructor') | list }}`,
  `{{ [1] | select('constructor') | list }}{{ 1 is toString }}{{ 1 is hasOwnProperty }}`,
  `{{ range(3).__iter__ }}{{ range(3).constructor }}{{ (range(3) | list).constructor }}`,
  `{% for x in [1] %}{{ loop.__class__ }}{{ loop.constructor }}{{ loop.cycle.constructor("${RUN}")() }}{% endfor %}`,
  `{{ namespace().__init__ }}{{ namespace().constructor }}`,
  `{% set ns = namespace() %}{% set ns.f = range %}{{ ns.f.constructor("${RUN}")() }}`,
  `{% with f = range %}{{ f.constructor("${RUN}")() }}{% endwith %}`,
  `{{ (1,).__class__.__base__.__subclasses__() }}{{ ().__class__ }}`,
  `{{ [].append.constructor("${RUN}")() }}`,
  `{% set l = [] %}{{ l.append(range) }}{{ l[0].constructor("${RUN}")() }}`,
  `{{ {}.update.constructor("${RUN}")() }}`,
  `{{ 1.5.is_integer.constructor("${RUN}")() }}`,
  `{{ self._TemplateReference__context }}{{ caller }}`,
  `{{ ''.toString() }}{{ ''.valueOf() }}{{ [].map }}{{ {}.hasOwnProperty('x') }}{{ 'abc'.at(0) }}{{ 'abc'.charAt(0) }}{{ 'abc'.concat('d') }}`,
  `{{ 'x' | b64encode | constructor }}{{ workload | tojson | constructor }}`,
  `{{ dict.constructor("${RUN}")() }}{{ dict().constructor }}`,
  // Names from template text that a table is indexed by: HTML entities, filter and test names.
  `{{ '&constructor; &toString; &__proto__; &hasOwnProperty;' | striptags }}`,
  `{{ 'x' | toString }}{{ 'x' is valueOf }}{{ [1] | map('__proto__') | list }}`,
];

describe('templates are sandboxed: no payload reaches the host', () => {
  const context = workloadContext({ url: 'https://example.com' }, { keychain: { tok: { access_token: 'abc' } } });
  afterEach(() => {
    delete (globalThis as Record<string, unknown>).__noetl_escape;
  });

  it.each(PAYLOADS)('%s', async (payload) => {
    let output: string | undefined;
    try {
      output = await renderTemplate(payload, context);
    } catch (err) {
      expect(err).toBeInstanceOf(TemplateError);
    }
    expect(escaped()).toBeUndefined();
    // Nothing of JavaScript shows through either: no function source, no object internals.
    expect(output ?? '').not.toMatch(/native code|=>|function \w*\(|\[object|process|globalThis/);
  });

  it('a function prints as Python names it (or <function>), never as its JavaScript source', async () => {
    expect(await renderTemplate('{{ range }}|{% macro m() %}x{% endmacro %}{{ m }}|{{ "a".upper }}|{{ {}.get }}', context)).toBe("<class 'range'>|<Macro 'm'>|<function>|<function>");
  });

  it('cannot pollute prototypes, from a template or from its data', async () => {
    const planted = JSON.parse('{"__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"polluted": "yes"}}}') as Record<string, unknown>;
    const attempts = [
      '{% set ns = namespace() %}{% set ns.__proto__ = {"polluted": "yes"} %}{{ ns.__proto__.polluted }}',
      '{% set x = {} %}{% set x.__proto__.polluted = "yes" %}',
      '{{ planted.__proto__.polluted }}{{ planted.constructor.prototype.polluted }}',
      '{{ dict(__proto__={"polluted": "yes"}) }}{{ namespace(__proto__={"polluted": "yes"}) }}',
      '{% set x = {} %}{{ x.update({"__proto__": {"polluted": "yes"}}) }}{{ x.setdefault("constructor", 1) }}{{ x }}',
      '{{ planted.update(__proto__={"polluted": "yes"}) }}{{ planted.__proto__.update({"polluted": "yes"}) }}',
      '{% with __proto__ = {"polluted": "yes"} %}{{ __proto__ }}{% endwith %}',
    ];
    for (const t of attempts) await renderTemplate(t, { planted }).catch((err: unknown) => expect(err).toBeInstanceOf(TemplateError));
    // Keys named __proto__ or constructor are only data.
    expect(await renderTemplate('{{ planted.__proto__.polluted }}', { planted })).toBe('yes');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((Object.prototype as unknown as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('a context holds data only: a function in it is refused, not made callable', async () => {
    await expect(renderTemplate('{{ f() }}', { f: () => 'called' })).rejects.toThrow(/'f' is a function: a context holds data only/);
  });
});

describe('templates are bounded', () => {
  it('range() stops at the sandbox limit', async () => {
    expect(await renderTemplate(`{{ range(${TEMPLATE_LIMITS.rangeItems}) | length }}`, {})).toBe(String(TEMPLATE_LIMITS.rangeItems));
    await expect(renderTemplate(`{{ range(${TEMPLATE_LIMITS.rangeItems + 1}) | length }}`, {})).rejects.toThrow(/range\(\) of more than 100000 items/);
  });

  it('nested loops stop after a bounded number of steps, growing strings at a bounded size, recursion at a bounded depth', async () => {
    await expect(renderTemplate('{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}', {})).rejects.toThrow(/more than 1000000 steps/);
    await expect(renderTemplate('{% set ns = namespace(s="ab") %}{% for i in range(60) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s | length }}', {})).rejects.toThrow(
      /a string longer than/,
    );
    await expect(renderTemplate('{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}', {})).rejects.toThrow(/nests too deeply/);
  });

  it('the builtins are bounded too: sizes are checked before anything of that size is made, searches are not quadratic', { timeout: 30_000 }, async () => {
    const started = Date.now();
    expect(await renderTemplate("{{ ('a' * 8000000).find('a' * 4000000 ~ 'b') }} {{ ('a' * 8000000).rfind('b') }}", {})).toBe('-1 -1');
    expect(await renderTemplate("{{ ('ab' * 1000).replace('', '-', 3) }}", {})).toMatch(/^-a-b-aba/);
    expect(await renderTemplate("{{ range(100000) | map('string') | map('list') | sum(start=[]) | length }}", {})).toBe('488890');
    for (const template of [
      "{{ '%100000000d' % 1 }}",
      "{{ '%.100000000f' % 1.5 }}",
      "{{ '{:>100000000}'.format(1) }}",
      "{{ 'x'.zfill(100000000) }}",
      "{{ 'x'.ljust(100000000) }}",
      "{{ 'x' | center(100000000) }}",
      "{{ 'x\ny' | indent(100000000) }}",
      "{{ {} | tojson(100000000) }}",
      "{{ '\t' * 1000000 | string }}{{ ('\t' * 1000000).expandtabs(100) }}",
      "{{ ('ab' * 4000000).replace('a', 'aaaa') }}",
      '{{ [1] | batch(1000000000000, 0) | list }}',
      '{{ [1] | slice(1000000000000) | list }}',
      '{% set ns = namespace(l=[1]) %}{% for i in range(40) %}{% set ns.l = ns.l + ns.l %}{% endfor %}',
      '{% set l = [1] %}{% for i in range(40) %}{{ l.extend(l) }}{% endfor %}',
      "{{ range(10) | map('string') | sum(start='') }}",
    ]) {
      await expect(renderTemplate(template, {}), template).rejects.toThrow(TemplateError);
    }
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('a builtin over large data in a long loop stops at the work budget', { timeout: 60_000 }, async () => {
    for (const template of [
      '{% set big = range(100000) | list %}{% for i in range(100000) %}{{ big | sort | length }}{% endfor %}',
      '{% set big = range(100000) | list %}{% for i in range(100000) %}{{ 99999 in big }}{{ big == big }}{% endfor %}',
      "{% set s = 'a' * 8000000 %}{% for i in range(100000) %}{{ s.upper() | length }}{{ s.find('b') }}{% endfor %}",
      '{% set big = range(100000) | list %}{% for i in range(1000) %}{{ big | tojson | length }}{% endfor %}',
    ]) {
      const started = Date.now();
      await expect(renderTemplate(template, {}), template).rejects.toThrow(/more than 200000000 units of work/);
      expect(Date.now() - started, template).toBeLessThan(15_000);
    }
  });
});

describe('undefined values are errors, as with Jinja2 StrictUndefined', () => {
  const context = { a: { b: 1 }, s: 'x' };
  it('naming what is undefined; `is defined` and `| default` still work', async () => {
    await expect(renderTemplate('{{ a.c }}', context)).rejects.toThrow("'a.c' is not defined");
    await expect(renderTemplate("{{ a['c'].d }}", context)).rejects.toThrow("'a.c' is not defined");
    await expect(renderTemplate('{{ nope.x | default(1) }}', context)).rejects.toThrow("'nope' is not defined");
    await expect(renderTemplate('{% if nope %}x{% endif %}', context)).rejects.toThrow("'nope' is not defined");
    await expect(renderTemplate('{% macro m(p) %}{{ p }}{% endmacro %}{{ m() }}', context)).rejects.toThrow("'p' is not defined");
    expect(await renderTemplate('{{ nope is defined }} {{ a.c is defined }} {{ nope | default("d") }} {{ a.c | d(2) }} {{ s | default("d") }}', context)).toBe('False False d 2 x');
  });
});

describe('filters the engine lacks, as Jinja2 has them', () => {
  it('reverse, list, truncate, default with boolean', async () => {
    const context = { s: 'hello world foo', l: [1, 2, 3], m: { a: 1, b: 2 }, e: '' };
    expect(await renderTemplate('{{ s | reverse }}|{{ l | reverse | join(",") }}|{{ s | list | join("-") }}|{{ m | list | join }}', context)).toBe('oof dlrow olleh|3,2,1|h-e-l-l-o- -w-o-r-l-d- -f-o-o|ab');
    expect(await renderTemplate('{{ s | truncate(9) }}|{{ s | truncate(9, True) }}|{{ s | truncate(11, leeway=0) }}|{{ s | truncate(100) }}', context)).toBe('hello...|hello ...|hello...|hello world foo');
    expect(await renderTemplate('{{ e | default("x") }}|{{ e | default("x", true) }}', context)).toBe('|x');
  });
});

describe('masking what derives from a secret', () => {
  const TOKEN = 'Tr0ub4dor&3-correct-horse';
  const context = workloadContext({ user: 'alice' }, { keychain: secret({ api: { token: TOKEN, n: 42, flag: true } }), count: 3 });
  const masked = (t: string) => renderTemplate(t, context, { maskSecrets: true });

  it.each([
    ['{{ keychain.api.token }}', MASKED],
    ['{{ keychain.api.token | upper }}', MASKED],
    ['{{ keychain.api.token | lower }}', MASKED],
    ['{{ keychain.api.token | replace("T", "t") }}', MASKED],
    ['{{ keychain.api.token | reverse }}', MASKED],
    ['{{ keychain.api.token | list | join(",") }}', MASKED],
    ['{{ keychain.api.token | truncate(9) }}', MASKED],
    ['{{ keychain.api.token[1:] }}', MASKED],
    ['{{ keychain.api.token[0] }}', MASKED],
    ['{{ keychain.api.token | length }}', MASKED],
    ['{{ keychain.api.token.split("&") | first }}', MASKED],
    ['{{ keychain.api | tojson }}', MASKED],
    ['{{ keychain.api.values() | list }}', MASKED],
    ['{{ keychain.api.n + 1 }}', MASKED],
    ['{{ keychain.api.flag }}', MASKED],
    ['{{ "yes" if keychain.api.token.startswith("T") else "no" }}', MASKED],
    ['{{ "abc" in keychain.api.token }}', MASKED],
    // The Python-faithful forms.
    ['{{ keychain.api }}', MASKED],
    ['{{ keychain }}', MASKED],
    ["{{ keychain.api.get('token') }}", MASKED],
    ["{{ keychain.api['token'] }}", MASKED],
    ['{{ keychain.api.items() | list }}', MASKED],
    ['{{ keychain.api.items() }}', MASKED],
    ['{{ keychain.api | dictsort | first }}', MASKED],
    ['{{ [keychain.api.token] }}', MASKED],
    ['{{ (keychain.api.token,) }}', MASKED],
    ["{{ keychain.api.token | default('x') }}", MASKED],
    ["{{ keychain.api.token ~ '' }}", MASKED],
    ["{{ '%s' % keychain.api.token }}", MASKED],
    ["{{ '%(token)s' % keychain.api }}", MASKED],
    ["{{ '{}'.format(keychain.api.token) }}", MASKED],
    ["{{ 'x{0[token]}'.format(keychain.api) }}", MASKED],
    ['{{ keychain.api.token | b64encode }}', MASKED],
    ['{{ keychain.api.token | urlencode }}', MASKED],
    ['{{ keychain.api.token | e }}', MASKED],
    ['{{ keychain.api.token | title }}', MASKED],
    ['{{ keychain.api.token | trim }}', MASKED],
    ['{{ keychain.api.token | center(40) }}', MASKED],
    ['{{ keychain.api.token | pprint }}', MASKED],
    ['{{ keychain.api.token | string }}', MASKED],
    ['{{ keychain.api.token[::-1] }}', MASKED],
    ['{{ keychain.api.token.replace("a", "b") }}', MASKED],
    ['{{ keychain.api.token.strip().lower() }}', MASKED],
    ['{{ keychain.api.n // 2 }}{{ keychain.api.n % 5 }}', MASKED],
    ['{{ keychain.api.token is string }}', MASKED],
    ['{% for k, v in keychain.api.items() %}{{ k }}={{ v }};{% endfor %}', MASKED],
    ['{% with t = keychain.api.token %}{{ t | upper }}{% endwith %}', MASKED],
    ['{% set acc = [] %}{{ acc.append(keychain.api.token | upper) }}{{ acc }}', MASKED],
  ])('%s', async (template, expected) => {
    expect(await masked(template)).toBe(expected);
  });

  it('keeps the text around a secret and what does not read one', async () => {
    expect(await masked('Bearer {{ keychain.api.token }} for {{ user }} ({{ count * 2 }})')).toBe('Bearer **** for alice (6)');
    // Field names and counts are not secret content.
    expect(await masked('{{ keychain.api | length }} {{ keychain.api.keys() | join(",") }} {{ keychain.api.token is defined }}')).toBe('3 token,n,flag True');
  });

  it('a block that branches on a secret is masked whether or not it prints anything', async () => {
    expect(await masked('[{% if keychain.api.token == "x" %}match{% endif %}]')).toBe(`[${MASKED}]`);
    expect(await masked(`[{% if keychain.api.token == "${TOKEN}" %}match{% endif %}]`)).toBe(`[${MASKED}]`);
    expect(await masked('[{% for c in keychain.api.token | list %}{{ loop.index }}{% endfor %}]')).toBe(`[${MASKED}]`);
  });

  it('a secret moved without being read (into a list, through a with) is masked where it is printed', async () => {
    expect(await masked('{% set acc = [] %}{% set _ = acc.append(keychain.api.token) %}{{ user }} {{ acc | length }} {{ acc }}')).toBe(`alice 1 ${MASKED}`);
    expect(await masked('{% with t = keychain.api %}{{ user }} {{ t | length }} {{ t.token }}{% endwith %}')).toBe(MASKED);
  });

  it('a value stored from a secret stays masked later: set, namespace attributes, macros, lists changed in place', async () => {
    expect(await masked('{% set acc = [] %}{% if acc.append(keychain.api.token | upper) %}{% endif %}{{ user }} {{ acc }}')).toBe(`${MASKED} ${MASKED}`);
    expect(await masked('{% set t = keychain.api.token | upper %}{{ user }}: {{ t }}')).toBe(`${MASKED}: ${MASKED}`);
    expect(await masked('{% set ns = namespace(hit=false) %}{% if keychain.api.token.startswith("T") %}{% set ns.hit = true %}{% endif %}{{ ns.hit }}')).toBe(MASKED);
    expect(await masked('{% set ns = namespace(v=0) %}{% macro m(n) %}{% set n.v = 1 %}{% endmacro %}{{ m(ns) if keychain.api.n > 3 }}{{ ns.v }}')).toBe(MASKED);
    // Only the data that was read counts: a set before any secret is read is shown.
    expect(await masked('{% set u = user | upper %}{{ u }} {{ keychain.api.token }}')).toBe(`ALICE ${MASKED}`);
  });

  it('an error after reading a secret does not say what it was about', async () => {
    for (const template of ['{{ keychain.api.token | int + none }}', '{{ keychain.api.token.length }}']) {
      const err = await masked(template).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TemplateError);
      expect((err as Error).message).toContain('it failed after reading a secret (the reason is shown only when secrets are revealed)');
    }
    await expect(masked('{{ keychain.nope }}')).rejects.toThrow("'keychain.nope' is not defined");
  });

  it('unmasked, a secret renders as itself; renderValue masks every string of a value', async () => {
    expect(await renderTemplate('{{ keychain.api.token | upper }}', context)).toBe(TOKEN.toUpperCase());
    expect(await renderValue({ h: { Authorization: 'Bearer {{ keychain.api.token }}' }, u: '{{ user }}' }, context, { maskSecrets: true })).toEqual({ h: { Authorization: `Bearer ${MASKED}` }, u: 'alice' });
  });
});
