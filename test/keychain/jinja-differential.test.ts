/**
 * Differential test: src/core/jinja.ts against Python's Jinja2 itself (Debian's python3-jinja2,
 * which .ci/run installs), in the environment a NoETL worker renders with
 * (`Environment(undefined=StrictUndefined)` plus its `b64encode` filter; see jinja-reference.ts).
 *
 * Every template string of the corpus (shared/corpus) and a hand-written set covering what
 * playbook authors write are rendered by both with the same context; wherever Jinja2 renders
 * a template at all, we must render the same text. Corpus templates name things only known at
 * run time (step results, keychain entries): each gets a stand-in context built from its own
 * references, deterministically (standInContext). We compare plain Jinja2, not the worker's
 * wrapper around it (render.py also turns some results back into objects; that is not text).
 *
 * Besides the corpus and the hand-written set, generated sets (numbers, characters, whitespace
 * control, expressions, statements) are compared the same way. The remaining differences, each
 * with its reason: KNOWN_DIFFERENCES (outputs that may differ), DOCUMENTED_GAPS (what Jinja2
 * renders and we do not; each checked still to be one) and the list after it (what the harness
 * cannot show).
 */
import { describe, expect, it } from 'vitest';
import { renderTemplate } from '../../src/core/jinja.js';
import { corpusDir, missingShared } from '../helpers/corpus.js';
import { corpusTemplates, findPython, renderWithJinja2, standInContext, type Case, type Outcome } from './jinja-reference.js';

const reference = findPython();
const inCI = process.env.CI === 'true' || process.env.CI === '1';
if (!reference) {
  if (inCI) throw new Error('python3 with Jinja2 not found: with CI=true the differential test must run (apt-get install python3-jinja2)');
  process.stderr.write('skipped: the Jinja2 differential test needs python3 with Jinja2 (apt-get install python3-jinja2)\n');
}

/**
 * Where our output may differ from Jinja2's, and why. Each entry names the templates it
 * covers by what Jinja2 printed or by the template text.
 */
const KNOWN_DIFFERENCES: { reason: string; applies(template: string, jinja2: string): boolean }[] = [
  {
    reason: 'Python prints a function, a method or an iterator with its memory address (`<built-in method items of dict object at 0x7f…>`); we print `<function>` or `<generator object>`',
    applies: (_, jinja2) => / at 0x[0-9a-f]+>/.test(jinja2),
  },
];

/** The hand-written set: one context, every construct the renderer promises. */
const CONTEXT = {
  d: { a: 1, b: 'two', items: [1, 2], nested: { deep: [1, { x: 'y' }] } },
  l: [3, 1, 2],
  words: ['banana', 'Apple', 'cherry', 'apple'],
  users: [
    { name: 'ann', age: 31, city: 'NY', active: true },
    { name: 'bob', age: 25, city: 'ny', active: false },
    { name: 'cy', age: 40, city: 'LA', active: true },
  ],
  s: '  Hello, World  ',
  q: "it's \"quoted\"",
  html: '<b>bold</b> & <i>it</i>',
  uni: 'café ☕ 😀',
  n: null,
  t: true,
  f: 2.5,
  i: 7,
  neg: -7,
  big: 12345678901234,
  zero: 0,
  empty: '',
  nums: '42',
  floaty: '3.75',
  csv: 'a,b,,c',
  path: '/api/v1/users?id=5&name=a b',
};

const HAND_WRITTEN: string[] = [
  // Python reprs
  '{{ d }}',
  '{{ l }}',
  '{{ t }} {{ n }} {{ f }} {{ i }}',
  '{{ [1, "a", none, true, 2.0] }}',
  "{{ {'k': 'v', 'n': [1, (2, 3)]} }}",
  '{{ (1,) }} {{ () }} {{ (1, "a") }} {{ (1, 2,) }} {{ ((1,),) }} {{ [(1,)] }} {{ 1, }}',
  '{{ q }}|{{ [q] }}|{{ {"q": q} }}',
  '{{ [uni] }}',
  '{{ ["tab\\there", "new\\nline", "back\\\\slash"] }}',
  '{{ d.nested }}',
  '{{ users[0] }}',
  '{{ 1, 2 }}',
  '{{ -0.0 }} {{ 1e16 }} {{ 1.5e-5 }} {{ 0.1 + 0.2 }} {{ 1e300 * 1e10 }} {{ 10 / 4 }} {{ 4 / 2 }}',
  '{{ 123456789012345678.0 }} {{ 0.0001 }} {{ 100.0 }}',
  '{{ big * big }} {{ 2 ** 100 }} {{ 2 ** -1 }}',
  // tojson
  '{{ d | tojson }}',
  '{{ users | tojson }}',
  '{{ html | tojson }}',
  "{{ \"it's <b>\" | tojson }}",
  '{{ uni | tojson }}',
  '{{ {"b": 1, "a": [1, 2.5, none, true]} | tojson(indent=2) }}',
  '{{ [] | tojson(indent=2) }} {{ {} | tojson }}',
  '{{ f | tojson }} {{ 1e16 | tojson }} {{ (1, 2) | tojson }} {{ n | tojson }}',
  '{{ d.nested | tojson(4) }}',
  // dict methods and attribute/item lookup
  "{{ d.get('a') }} {{ d.get('zz') }} {{ d.get('zz', 'dflt') }}",
  '{{ d.items() }}',
  '{{ d.keys() }} {{ d.values() }}',
  '{{ d.items() | list }} {{ d.keys() | list }}',
  '{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}',
  '{% for k in d %}{{ k }},{% endfor %}',
  "{{ d['items'] }} {{ d.nested.deep[1].x }} {{ d['nested']['deep'][0] }}",
  '{{ l[0] }} {{ l[-1] }} {{ l[1:] }} {{ l[::-1] }} {{ l[5:] }}',
  '{{ s[2:7] }} {{ uni[-1] }} {{ uni | length }}',
  '{{ d.copy() }}',
  // default and defined
  "{{ missing | default('fallback') }}",
  "{{ d.nope | default('fallback') }} {{ d.a | default('x') }}",
  "{{ empty | default('was empty') }}|{{ empty | default('was empty', true) }}|{{ empty | d('x', boolean=true) }}",
  '{{ zero | default(5, true) }} {{ n | default(5) }} {{ n | default(5, true) }}',
  '{{ missing | default(none) }}',
  '{{ missing is defined }} {{ d is defined }} {{ d.nope is undefined }}',
  '{% if missing is defined %}{{ missing }}{% else %}none here{% endif %}',
  '{{ n is none }} {{ d is none }} {{ missing is none }}',
  '{{ n is not none }}',
  "{{ 'x' if missing is defined else 'y' }}",
  "{{ 'x' if false }}|{{ ('x' if false) is defined }}",
  // string methods
  '{{ s.upper() }}|{{ s.lower() }}|{{ s.strip() }}|{{ s.lstrip() }}|{{ s.rstrip() }}',
  "{{ s.strip().split(', ') }} {{ csv.split(',') }} {{ csv.split(',', 1) }} {{ s.split() }} {{ csv.rsplit(',', 1) }}",
  "{{ s.replace('l', 'L') }} {{ s.replace('l', 'L', 2) }} {{ csv.replace(',', '') }}",
  "{{ s.strip().startswith('Hello') }} {{ s.endswith('  ') }} {{ s.strip().startswith(('x', 'He')) }}",
  "{{ s.find('o') }} {{ s.rfind('o') }} {{ s.count('l') }} {{ s.index('W') }}",
  '{{ s.title() }} {{ q.title() }} {{ "hello world".capitalize() }} {{ "ABC".swapcase() }}',
  "{{ '-'.join(['a', 'b']) }} {{ ', '.join(words) }}",
  "{{ 'abc'.center(9, '*') }}|{{ 'abc'.ljust(6) }}|{{ 'abc'.rjust(6, '.') }}|{{ '42'.zfill(5) }}|{{ '-42'.zfill(5) }}",
  "{{ nums.isdigit() }} {{ s.isdigit() }} {{ 'abc'.isalpha() }} {{ 'Ab'.islower() }} {{ 'AB'.isupper() }}",
  "{{ 'a=b=c'.partition('=') }} {{ 'a=b=c'.rpartition('=') }}",
  "{{ 'prefix-name'.removeprefix('prefix-') }} {{ 'name.yaml'.removesuffix('.yaml') }}",
  "{{ 'x\\ny\\r\\nz'.splitlines() }}",
  "{{ '{} and {}'.format(1, 'two') }} {{ '{0}{1}{0}'.format('a', 'b') }} {{ '{name}!'.format(name='x') }}",
  "{{ '{:>8}|{:<6}|{:^7}|{:08.3f}|{:,}|{:x}|{!r}'.format('r', 'l', 'c', 3.14159, 1234567, 255, 'q') }}",
  "{{ '{0[a]} {0[nested][deep][0]}'.format(d) }}",
  // printf-style %
  "{{ '%s-%d' % ('a', 3) }} {{ '%05.2f' % 3.14159 }} {{ '%x %X %o' % (255, 255, 8) }} {{ '%r' % 'q' }}",
  "{{ '%(a)s and %(b)s' % d }} {{ '%-6s|' % 'ab' }} {{ '%+d' % 5 }} {{ '%.3e' % 12345.678 }} {{ '%g' % 0.00001 }}",
  "{{ '%s' % [1, 2] }} {{ '%d%%' % 50 }} {{ '%s' % none }}",
  "{{ '%.0f %.0f %.0f %.2f' % (0.5, 1.5, 2.5, 0.125) }}",
  // arithmetic as Python does it
  '{{ 7 // 2 }} {{ -7 // 2 }} {{ 7 // -2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 7 % -3 }}',
  '{{ 7.5 // 2 }} {{ -7.5 // 2 }} {{ -7.5 % 2 }} {{ 7.5 % -2 }} {{ neg // 2 }} {{ neg % 4 }}',
  '{{ 1 < 2 < 3 }} {{ 3 > 2 > 1 }} {{ 1 < 3 > 2 }} {{ (3 > 2) > 1 }} {{ 1 == 1 < 2 }} {{ "x" in "xy" == true }} {{ 1 < i <= 7 != 8 }}',
  '{{ "a" ~ 1 * 2 ~ "b" }} {{ (1 + 2) ~ 3 }} {{ i - 2 ~ "" if false else "-" }} {{ 2 ** 3 ** 2 }} {{ -2 ** 2 }}',
  '{{ 1 + 2 ~ 3 }}',
  '{{ {1: "int"}[1.0] }} {{ {true: "t"}[1] }} {{ 1.0 in {1: 0} }} {{ {1: "x"}.get(true) }}',
  '{{ range(10)[2:5] }} {{ range(10)[::3] }} {{ range(10)[-2:] | list }} {{ range(0) }}',
  '{{ i / 2 }} {{ i * 2 }} {{ i - 10 }} {{ i + f }} {{ i ** 2 }} {{ 2 ** 0.5 }}',
  '{{ true + 1 }} {{ i * true }} {{ "ab" * 3 }} {{ [1] * 3 }} {{ 3 * "x" }}',
  '{{ "a" ~ 1 ~ none ~ true ~ [1] }}',
  '{{ l + [4] }} {{ "a" + "b" }}',
  '{{ -i }} {{ +i }} {{ -f }} {{ not i }} {{ not empty }}',
  '{{ 1 == 1.0 }} {{ true == 1 }} {{ [1] == [1] }} {{ "a" != "b" }} {{ none == none }}',
  '{{ 2 < 3 }} {{ "b" > "a" }} {{ [1, 2] < [1, 3] }} {{ 2 <= 2.0 }}',
  "{{ 'a' in 'cat' }} {{ 1 in l }} {{ 'a' in d }} {{ 'zz' not in d }} {{ 2 in (1, 2) }}",
  '{{ i and "yes" }} {{ zero and "yes" }} {{ zero or "no" }} {{ empty or n }}',
  // filters
  '{{ s | upper }}|{{ s | lower }}|{{ s | trim }}|{{ s | title }}|{{ "hELLO wORLD" | capitalize }}',
  "{{ 'foo-bar baz(qux' | title }} {{ q | title }}",
  "{{ s | replace('l', 'L') }} {{ s | replace('l', 'L', 1) }}",
  '{{ nums | int }} {{ floaty | int }} {{ "x" | int }} {{ "x" | int(5) }} {{ f | int }} {{ "0x1A" | int(0, 16) }} {{ " 42 " | int }} {{ "1_000" | int }} {{ t | int }}',
  '{{ floaty | float }} {{ i | float }} {{ "x" | float }} {{ "1e3" | float }} {{ "nan" | float }}',
  '{{ f | round }} {{ 2.675 | round(2) }} {{ 3 | round }} {{ 42.55 | round(1, "floor") }} {{ 42.51 | round(0, "ceil") }} {{ 1234 | round(-2) }}',
  '{{ neg | abs }} {{ -2.5 | abs }}',
  '{{ l | length }} {{ d | length }} {{ s | length }} {{ l | count }}',
  '{{ l | first }} {{ l | last }} {{ l | min }} {{ l | max }} {{ l | sum }} {{ users | sum(attribute="age") }}',
  '{{ words | sort }} {{ words | sort(case_sensitive=true) }} {{ words | sort(reverse=true) }} {{ users | sort(attribute="age") | map(attribute="name") | list }}',
  '{{ words | unique | list }} {{ words | unique(case_sensitive=true) | list }}',
  '{{ words | min }} {{ words | max }} {{ users | max(attribute="age") }}',
  '{{ l | join(", ") }} {{ l | join }} {{ users | join("/", attribute="name") }} {{ [1, none, true] | join("|") }}',
  '{{ l | list }} {{ "abc" | list }} {{ d | list }}',
  '{{ l | reverse | list }} {{ "abc" | reverse }} {{ l | sort | reverse | join }}',
  '{{ d | dictsort }} {{ d | dictsort(reverse=true) | first }}',
  '{{ d | items | list }}',
  '{{ users | map(attribute="name") | join(",") }} {{ words | map("upper") | list }} {{ users | map(attribute="zip", default="-") | list }}',
  '{{ users | selectattr("active") | map(attribute="name") | list }} {{ users | rejectattr("active") | map(attribute="name") | list }}',
  '{{ users | selectattr("age", ">", 30) | list | length }} {{ l | select("odd") | list }} {{ l | reject("odd") | list }} {{ l | select("divisibleby", 3) | list }}',
  '{% for group in users | groupby("city") %}{{ group.grouper }}:{{ group.list | map(attribute="name") | join(",") }};{% endfor %}',
  '{{ users | groupby("city") | map(attribute="grouper") | list }}',
  '{{ l | batch(2) | list }} {{ l | batch(2, "x") | list }} {{ [1, 2, 3, 4, 5] | slice(2) | list }}',
  '{{ "hello world foo" | truncate(9) }}|{{ "hello world foo" | truncate(9, true) }}|{{ "foo bar baz qux" | truncate(11, false, "...", 0) }}',
  '{{ "abc" | center(9) }}|{{ "a\\nb\\n\\nc" | indent(2) }}|{{ "a\\nb" | indent(2, true) }}|{{ "a\\n\\nb" | indent("> ", blank=true) }}',
  '{{ html | striptags }} {{ "<!-- c -->a  <p>b</p>\\n c &amp; &#39;" | striptags }}',
  '{{ html | e }} {{ html | escape }} {{ q | forceescape }}',
  '{{ path | urlencode }} {{ {"a": "b c", "d": 1} | urlencode }} {{ [("k", "v w")] | urlencode }}',
  '{{ "one two  three" | wordcount }} {{ 12345678 | filesizeformat }} {{ 1 | filesizeformat }} {{ 1024 | filesizeformat(true) }} {{ 999 | filesizeformat }}',
  '{{ "%s=%d" | format("a", 3) }} {{ "%(x)s" | format(x="y") }}',
  '{{ d | string }} {{ n | string }} {{ t | string }} {{ 1.0 | string }}',
  '{{ l | tojson | length }} {{ d | pprint }}',
  '{{ {"id": 1, "class": "big", "n": none} | xmlattr }}',
  "{{ d | attr('items') is callable }} {{ d | attr('a') is defined }}",
  '{{ uni | b64encode }} {{ 42 | b64encode }}',
  "{{ '  x  ' | trim('x ') }}|{{ 'xxhixx' | trim('x') }}",
  // tests
  '{{ i is odd }} {{ i is even }} {{ 9 is divisibleby 3 }} {{ 9 is divisibleby(4) }} {{ i is number }} {{ f is float }} {{ i is integer }} {{ t is integer }}',
  '{{ s is string }} {{ d is mapping }} {{ l is sequence }} {{ d is iterable }} {{ i is iterable }} {{ t is boolean }} {{ t is true }} {{ n is false }}',
  '{{ "abc" is lower }} {{ "ABC" is upper }} {{ 3 is in l }} {{ 3 is eq 3 }} {{ 3 is gt 2 }} {{ 3 is lessthan 2 }} {{ 3 is ne 3 }} {{ d.get is callable }}',
  '{{ none is sameas none }} {{ t is sameas true }} {{ "upper" is filter }} {{ "odd" is test }} {{ "nofilter" is filter }}',
  // control structures
  '{% for u in users %}{{ loop.index }}/{{ loop.length }}:{{ u.name }}{% if not loop.last %}, {% endif %}{% endfor %}',
  '{% for u in users if u.active %}{{ loop.index0 }}{{ u.name }}{{ loop.revindex }}{% endfor %}',
  '{% for x in [] %}{{ x }}{% else %}empty{% endfor %}',
  '{% for a, b in [(1, 2), (3, 4)] %}{{ a + b }}{% endfor %}',
  '{% for x in l %}{{ loop.cycle("odd", "even") }}{{ loop.first }}{{ loop.previtem is defined }}{% endfor %}',
  '{% for x in [1, 1, 2, 1] %}{{ loop.changed(x) }}{{ loop.previtem | default("-") }}{{ loop.nextitem | default("-") }}{{ loop.depth }}{{ loop.revindex0 }}{% endfor %}',
  '{% for x in range(3) %}{{ x }}{% endfor %} {{ range(2, 10, 3) | list }} {{ range(3) }} {{ range(5, 0, -2) | list }}',
  '{% if i > 5 %}big{% elif i > 2 %}mid{% else %}small{% endif %}',
  '{% set x = 5 %}{% for i in [1, 2] %}{{ x }}{% set x = i %}{% endfor %}{{ x }}',
  '{% set ns = namespace(total=0) %}{% for u in users %}{% set ns.total = ns.total + u.age %}{% endfor %}{{ ns.total }}',
  '{% set a, b = 1, 2 %}{{ a }}{{ b }}',
  '{% set block %}inner {{ i }}{% endset %}[{{ block }}]',
  '{% macro greet(name, greeting="Hi") %}{{ greeting }}, {{ name }}!{% endmacro %}{{ greet("ann") }} {{ greet("bob", greeting="Yo") }}',
  '{% macro m() %}{{ varargs }}{{ kwargs }}{% endmacro %}{{ m(1, 2, a=3) }}',
  '{% macro wrap() %}<{{ caller() }}>{% endmacro %}{% call wrap() %}body{% endcall %}',
  '{% filter upper %}shout {{ i }}{% endfilter %}',
  '{{ dict(a=1, b=2) }} {{ namespace(a=1) }} {{ dict }} {{ range }} {{ namespace }}',
  '{% with a = 1, b = i %}{{ a }}{{ b }}{% endwith %}{{ a is defined }}',
  '{% set a = 5 %}{% with a = 1, b = a %}{{ a }}{{ b }}{% endwith %}{{ a }}',
  '{% with %}{% set z = 1 %}{{ z }}{% endwith %}{{ z is defined }}',
  '{% for u in users %}{% with n = u.name %}{{ loop.index }}{{ n }}{% endwith %}{% endfor %}',
  '{% set acc = [] %}{% for u in users %}{% set _ = acc.append(u.name) %}{% endfor %}{{ acc }}',
  '{% set x = l.copy() %}{{ x.append(9) }}{{ x }}{{ x.pop() }}{{ x.pop(0) }}{{ x }}{{ x.insert(0, 7) }}{{ x }}{{ x.extend([1]) }}{{ x.remove(1) }}{{ x }}{{ x.sort() }}{{ x }}{{ x.sort(reverse=true) }}{{ x }}{{ x.reverse() }}{{ x }}{{ x.clear() }}{{ x }}',
  "{% set m = {'a': 1} %}{{ m.update({'z': 1}) }}{{ m }}{{ m.pop('z') }}{{ m.setdefault('y', 2) }}{{ m.setdefault('y', 3) }}{{ m }}{{ m.pop('nope', 'dflt') }}{{ m.popitem() }}{{ m }}{{ m.update(q=1) }}{{ m }}",
  '{{ l.append(4) }}{{ l }}',
  '{{ "{:<5}|{:>5}|{:d}|{}".format(true, false, true, true) }} {{ "{0.grouper}".format(users | groupby("city") | first) }}',
  '{% macro m() %}{% endmacro %}{{ m }}',
  "{% raw %}{{ not rendered }} {% if %}{% endraw %}",
  'a {#- comment -#} b {# another #} c {{ i }}',
  'line1\n  {%- if true %}\n  kept\n  {%- endif %}\nend',
  'x {{- i -}} y {{ i }}\n',
  'trailing newline {{ i }} is dropped\n',
  'one newline of two {{ i }} is dropped\n\n',
  'windows {{ i }}\r\nline\rends',
  'only a comment {# is not rendered, as by a worker #}',
  'a lone {{ is passed through as written',
  "{{ 'single \\'escaped\\'' }} {{ \"\\u00e9\\x41\\n\" }} {{ '\\d+' }}",
  '{{ 1_000 + 0x10 + 0o10 + 0b10 }} {{ 1e3 }} {{ 2.5E-1 }}',
  "{{ 'con' 'cat' }}",
  // errors a worker would hit too (compared only as "both fail")
  '{{ undefined_name }}',
  '{{ "a" + 1 }}',
  '{{ d.nope.deeper }}',
  '{{ 1 / 0 }}',
  '{{ l | select("odd") | length }}',
  '{% break %}',
  '{{ s.length }}',
];

/**
 * What Jinja2 renders and we do not, or not the same, on purpose or for now: each is checked
 * (Jinja2 renders it, we differ), so a gap that closes or moves shows up here.
 */
const DOCUMENTED_GAPS: { template: string; reason: string }[] = [
  {
    template: "{{ d.__class__ }} {{ '{0.__class__}'.format(d) }}",
    reason: "Python's object internals (`__class__`, `__mro__`, `__globals__`, `__init__` …) are not emulated: a template reaches no object of the host; they are undefined",
  },
  { template: '{{ cycler(1, 2).next() }}', reason: '`cycler`, `joiner` and `lipsum` are not provided (the escape tests name them as absent; lipsum is random text)' },
  { template: '{{ self }}', reason: '`self` (template blocks) is not provided: a playbook field is one template, with no blocks' },
  { template: '{% for x in [[1, [2]]] recursive %}{{ x }}{% endfor %}', reason: "recursive loops: @huggingface/jinja's parser has no `recursive`" },
  { template: '{{ "a b" | wordwrap(1) }} {{ "see http://x.org" | urlize }}', reason: 'the `wordwrap` and `urlize` filters are not provided (text layout and HTML links)' },
  { template: "{{ {'a': 'x' * 50, 'b': 'y' * 50} | pprint }}", reason: "`pprint` prints the repr on one line; Python's pprint wraps at 80 columns" },
  { template: '{{ ("<" | e) + "<" }} {{ ["<" | e] }} {{ "<b>" | safe | e }} {{ "<" | e is escaped }}', reason: "no Markup type: `escape` and `safe` give plain strings, so what Markup changes (escaping what is added to it, `Markup('…')` in a repr, `is escaped`) differs" },
  { template: '{{ 12345678901234567890 }}', reason: "an integer literal beyond 2^53 in a template is refused: the engine's parser reads numbers as JavaScript numbers" },
  { template: "{{ '\\N{BULLET}' }}", reason: '`\\N{…}` escapes (Unicode character names) are refused: no name table' },
];

/*
 * Differences the harness cannot show (both sides get the same JavaScript context):
 * - A JSON object from the database with integer-like keys (`{"b": 1, "10": 2}`) iterates
 *   with those keys first in JavaScript; Python keeps the document's order.
 * - A JSON number written `2.0` is the int 2 here (JSON.parse keeps no difference); Python prints 2.0.
 * - Error messages: both fail, in words of their own.
 * - The sandbox's limits (TEMPLATE_LIMITS: range() of 100,000 items, strings of 8 MiB, lists of
 *   a million items, integers of 100,000 bits, 1,000,000 steps, the work budget, call depth 200):
 *   Jinja2 has none, so a template beyond them renders there and fails here.
 * - A list or dict that contains itself (`{% set l = [] %}{{ l.append(l) }}{{ l }}`): Python
 *   prints `[[...]]`; here it nests too deeply.
 * - Unicode tables: Python 3.11 and Node may disagree on a character's category (printable,
 *   upper/lower case) for characters added in recent Unicode versions (U+019B gained an
 *   uppercase in Unicode 16).
 */

describe.skipIf(!reference)('render matches Jinja2 (differential, python3 Jinja2 as the reference)', () => {
  const python = reference?.python ?? 'python3';

  async function compare(cases: (Case & { label: string })[]) {
    const theirs = renderWithJinja2(python, cases);
    const ours: Outcome[] = [];
    for (const c of cases) {
      try {
        ours.push({ ok: true, text: await renderTemplate(c.template, c.context) });
      } catch (err) {
        ours.push({ ok: false, error: (err as Error).message });
      }
    }
    const stats = { compared: 0, equal: 0, known: new Map<string, number>(), jinja2Fails: 0, onlyJinja2Fails: [] as string[] };
    const differences: { label: string; template: string; jinja2: string; ours: string }[] = [];
    cases.forEach((c, i) => {
      const t = theirs[i];
      const o = ours[i];
      if (!t.ok) {
        stats.jinja2Fails++;
        if (o.ok) stats.onlyJinja2Fails.push(`${c.label}: ${JSON.stringify(c.template).slice(0, 120)} (Jinja2: ${t.error.slice(0, 100)})`);
        return;
      }
      stats.compared++;
      if (o.ok && o.text === t.text) {
        stats.equal++;
        return;
      }
      const known = KNOWN_DIFFERENCES.find((k) => k.applies(c.template, t.text));
      if (known) {
        stats.known.set(known.reason, (stats.known.get(known.reason) ?? 0) + 1);
        return;
      }
      differences.push({ label: c.label, template: c.template, jinja2: t.text, ours: o.ok ? o.text : `ERROR ${o.error}` });
    });
    return { stats, differences };
  }

  it('the hand-written set renders as Jinja2 renders it', { timeout: 60_000 }, async () => {
    const { stats, differences } = await compare(HAND_WRITTEN.map((template, i) => ({ label: `hand-written #${i + 1}`, template, context: CONTEXT })));
    process.stdout.write(`hand-written: ${stats.compared} rendered by Jinja2, ${stats.equal} equal, ${[...stats.known.values()].reduce((a, b) => a + b, 0)} known differences; ${stats.jinja2Fails} fail in Jinja2\n`);
    expect(differences).toEqual([]);
    // Where Jinja2 fails, so do we: a template a worker cannot render must not look fine here.
    expect(stats.onlyJinja2Fails).toEqual([]);
  });

  it('numbers: reprs, rounding, %-formatting, format(), // and % of some 400 floats and 100 ints, as Python', { timeout: 60_000 }, async () => {
    let seed = 12345;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    // A float with an integral value below 2^53 is an int in a JSON context: kept out of the floats.
    const floats = Array.from({ length: 400 }, () => (random() - 0.5) * 10 ** (Math.floor(random() * 40) - 20)).filter((x) => !Number.isSafeInteger(x));
    // Ties and edges: half to even, binary halves, shortest reprs, exponents, the extremes.
    floats.push(0.5, 1.5, 2.5, 0.125, 0.375, 2.675, 1e16, 1e-5, 123456789.125, 0.1, 0.3, 1 / 3, 2 / 3, 1e22, 5e-324, 1.7976931348623157e308, -0.5, 9.995, 99.95, 100.5);
    const ints = Array.from({ length: 100 }, () => Math.floor((random() - 0.5) * 2 ** Math.floor(random() * 50)));
    const templates = [
      '{% for x in floats %}{{ x }} {{ x | round(3) }} {{ x | round }} {{ "%.4f" % x }}|{% endfor %}',
      '{% for x in floats %}{{ "%e" % x }} {{ "%g" % x }} {{ "%.10g" % x }} {{ "%.0e" % x }}|{% endfor %}',
      '{% for x in floats %}{{ "{:.3f}".format(x) }} {{ "{:.2e}".format(x) }} {{ "{:g}".format(x) }} {{ "{:,.2f}".format(x) }} {{ "{:.1%}".format(x) }} {{ "{:.5}".format(x) }}|{% endfor %}',
      '{% for x in floats %}{{ x * 3 }} {{ x // 0.7 }} {{ x % 0.7 }} {{ x / 7 }} {{ x + 0.1 }}|{% endfor %}',
      '{% for x in floats %}{{ x | tojson }} {{ [x] }} {{ x | int }} {{ x | string | float }}|{% endfor %}',
      '{% for i in ints %}{{ i // 7 }} {{ i % 7 }} {{ i // -7 }} {{ i % -7 }} {{ i / 7 }} {{ i * i * i }} {{ "%x %o %08d %+d" % (i, i, i, i) }} {{ "{:,} {:_x} {:b}".format(i, i, i) }} {{ i | round(-2) }} {{ i ** 3 }}|{% endfor %}',
    ];
    const { stats, differences } = await compare(templates.map((template, i) => ({ label: `numbers #${i + 1}`, template, context: { floats, ints } })));
    expect(differences).toEqual([]);
    expect(stats.equal).toBe(templates.length);
  });

  it('strings: repr, JSON, case mapping and character classes of 600 characters, and words that test them', { timeout: 60_000 }, async () => {
    // U+019B is left out: Unicode 16 (Node) gives it an uppercase that Python 3.11's Unicode 14 lacks.
    const chars = Array.from({ length: 0x250 }, (_, c) => String.fromCodePoint(c)).filter((c) => c !== '\u019b');
    chars.push(...[0x2028, 0x2029, 0x200b, 0xfeff, 0x3000, 0x1f600, 0x10ffff, 0xe000, 0xad, 0x61c, 0x180e, 0x1d11e, 0xfff0, 0x378, 0x2160, 0x1e9e, 0x130, 0x1c5, 0x3a3, 0xfb00, 0x1f80].map((c) => String.fromCodePoint(c)));
    const words = ["it's", 'say "hi"', 'both \' and "', 'tab\there', 'back\\slash', 'ünïcödé straße', 'ǅemal ǆ', 'hello-world foo_bar', '  lead and trail  ', 'ΣΊΣΥΦΟΣ ΑΣ', 'ﬀ ligature', 'x\u0301y', 'ß', 'ᾳ ᾀ'];
    const templates = [
      '{% for c in chars %}{{ [c] }}{{ c | tojson }}|{% endfor %}',
      '{% for c in chars %}{{ c.upper() }}{{ c.lower() }}{{ c.title() }}{{ c.isspace() }}{{ c.isalnum() }}{{ c.isdigit() }}{{ c.isupper() }}{{ c.islower() }}|{% endfor %}',
      '{% for w in words %}{{ [w] }} {{ w | tojson }} {{ w.title() }} {{ w | title }} {{ w | capitalize }} {{ w.swapcase() }} {{ w | upper }} {{ w | lower }} {{ w.split() }} {{ w.strip() }} {{ w | urlencode }} {{ w | length }} {{ w | reverse }} {{ w | wordcount }} {{ "%r" % w }} {{ "{!r:>20}".format(w) }} {{ w | center(30) }}|{% endfor %}',
    ];
    const { stats, differences } = await compare(templates.map((template, i) => ({ label: `strings #${i + 1}`, template, context: { chars, words } })));
    expect(differences).toEqual([]);
    expect(stats.equal).toBe(templates.length);
  });

  it('whitespace control, comments, raw blocks and nesting: 600 generated templates', { timeout: 60_000 }, async () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const pick = <T,>(items: T[]): T => items[Math.floor(random() * items.length)];
    const texts = ['', ' ', '\n', '  \n  ', 'a', 'SELECT 1\n', '\t', '\n\n', ' x ', '{', '}', '%', '#'];
    const [open, close, blockOpen, blockClose] = [['{{', '{{-', '{{+'], ['}}', '-}}'], ['{%', '{%-', '{%+'], ['%}', '-%}', '+%}']];
    const piece = (depth: number): string => {
      const r = random();
      if (r < 0.3) return pick(texts);
      if (r < 0.5) return `${pick(open)} ${pick(['x', 'n', '"s"', 'l | join(",")', 'x ~ "\\n"'])} ${pick(close)}`;
      if (r < 0.6) return `{#${pick(['', '-'])} c ${pick(['', '-'])}#}`;
      if (r < 0.68) return `${pick(blockOpen)} raw ${pick(blockClose)}${pick(texts)}{{ y }}${pick(texts)}${pick(blockOpen)} endraw ${pick(blockClose)}`;
      if (depth > 2) return pick(texts);
      const block = () => Array.from({ length: 1 + Math.floor(random() * 4) }, () => piece(depth + 1)).join('');
      if (r < 0.84) {
        const otherwise = random() < 0.5 ? `${pick(blockOpen)} else ${pick(blockClose)}${block()}` : '';
        return `${pick(blockOpen)} if ${pick(['t', 'not t', 'n > 1'])} ${pick(blockClose)}${block()}${otherwise}${pick(blockOpen)} endif ${pick(blockClose)}`;
      }
      if (r < 0.94) return `${pick(blockOpen)} for i in l ${pick(blockClose)}${block()}${pick(blockOpen)} endfor ${pick(blockClose)}`;
      return `${pick(blockOpen)} set v = ${pick(['1', 'x', '"q"'])} ${pick(blockClose)}${pick(texts)}{{ v }}`;
    };
    const templates = Array.from({ length: 600 }, () => Array.from({ length: 1 + Math.floor(random() * 4) }, () => piece(0)).join('') + pick(['', '\n', '\n\n', ' \n']));
    const { stats, differences } = await compare(templates.map((template, i) => ({ label: `generated #${i + 1}`, template, context: { x: 'X', n: 3, t: true, l: ['a', 'b'] } })));
    expect(differences).toEqual([]);
    expect(stats.onlyJinja2Fails).toEqual([]);
    expect(stats.equal).toBeGreaterThan(400);
  });

  it('expressions: 3000 generated from operators, filters, tests, methods and literals of every type', { timeout: 60_000 }, async () => {
    let seed = 2;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const pick = <T,>(items: T[]): T => items[Math.floor(random() * items.length)];
    const atoms = [
      ...['0', '1', '-3', '7', '2.5', '0.0', '"a"', '"B c"', "''", '[1, 2]', '[]', '["x", "y"]', '{"k": 1}', '{}', 'none', 'true', 'false', '(1, 2)'],
      ...['i', 'f', 's', 'l', 'd', 'n', 'e', 'missing'],
      ...['s.upper()', 's.split("Y")', 'd.get("a")', 'd.get("zz", 5)', 'l.index(1)', '"{}-{}".format(i, s)', '"%s|%d" % (s, i)', 'l[0]', 'l[-1]', 'l[1:]', 's[::-1]', 'd["b"]'],
      ...['d.items() | list', 'd.keys() | list', '[i, s, f]', '{"x": i, "y": [l]}', 'range(3) | list', 's.startswith("x")', '"a,b".split(",")', 'i // 3', '(i, s)', 'namespace(a=1).a', 'dict(k=2)'],
    ];
    const operators = ['+', '-', '*', '/', '//', '%', '**', '~', '==', '!=', '<', '>', '<=', '>=', 'in', 'not in', 'and', 'or'];
    const filters = [
      ...['length', 'upper', 'lower', 'list', 'first', 'last', 'join', 'join(",")', 'default(9)', 'd(9, true)', 'int', 'float', 'string', 'tojson', 'sort', 'reverse | list', 'abs', 'round', 'round(1)', 'trim'],
      ...['title', 'capitalize', 'unique | list', 'min', 'max', 'sum', 'count', 'dictsort', 'items | list', 'e', 'replace("a", "z")', 'truncate(3)', 'batch(1) | list', 'map("string") | list', 'select | list'],
      ...['reject | list', 'center(5)', 'wordcount', 'urlencode', 'b64encode', 'format', 'indent', 'striptags', 'float | round'],
    ];
    const tests = ['defined', 'undefined', 'none', 'string', 'number', 'integer', 'float', 'odd', 'even', 'mapping', 'sequence', 'iterable', 'true', 'false', 'boolean', 'lower', 'upper', 'in [1, "a"]', 'divisibleby 2', 'eq 1', 'gt 0', 'sameas none'];
    const expression = (depth: number): string => {
      const r = random();
      if (depth > 3 || r < 0.3) return pick(atoms);
      if (r < 0.55) return `${expression(depth + 1)} ${pick(operators)} ${expression(depth + 1)}`;
      if (r < 0.65) return `(${expression(depth + 1)})`;
      if (r < 0.8) return `${expression(depth + 1)} | ${pick(filters)}`;
      if (r < 0.88) return `${expression(depth + 1)} is ${random() < 0.3 ? 'not ' : ''}${pick(tests)}`;
      if (r < 0.93) return `${pick(['not', '-'])} ${expression(depth + 1)}`;
      return `${expression(depth + 1)} if ${expression(depth + 1)} else ${expression(depth + 1)}`;
    };
    const context = { i: 4, f: -1.5, s: 'xYz', l: [3, 1, 2], d: { a: 1, b: 'two' }, n: null, e: '' };
    const { stats, differences } = await compare(Array.from({ length: 3000 }, (_, i) => ({ label: `expression #${i + 1}`, template: `{{ ${expression(0)} }}`, context })));
    process.stdout.write(`expressions: ${stats.compared} rendered by Jinja2, ${stats.equal} equal; ${stats.jinja2Fails} fail in Jinja2 (${stats.onlyJinja2Fails.length} of them render here)\n`);
    expect(differences).toEqual([]);
    expect(stats.onlyJinja2Fails).toEqual([]);
    expect(stats.equal).toBeGreaterThan(1500);
  });

  it('statements: 1000 generated templates of set, if, for, with, macro, call and filter blocks (Jinja2 scoping)', { timeout: 60_000 }, async () => {
    let seed = 5;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const pick = <T,>(items: T[]): T => items[Math.floor(random() * items.length)];
    const reads = ['x', 'y', 'i', 'ns.a', 'loop.index', 'loop.first', 'loop.length', 'loop.revindex', 'k', 'v', 'varargs', 'kwargs', 'caller is defined', 'x ~ y', 'l | length', 'ns.a + 1'];
    const calls = ['m(1)', 'm(2, 3)', 'm(b=4)', 'm()', 'm(1, 2, 3, z=1)'];
    const statement = (depth: number): string => {
      const r = random();
      const block = () => Array.from({ length: 1 + Math.floor(random() * 3) }, () => statement(depth + 1)).join(' ');
      if (depth > 2 || r < 0.25) return `{{ ${pick([...reads, ...calls])} }}`;
      if (r < 0.35) return `{% set ${pick(['x', 'y', 'i'])} = ${pick(['1', 'x ~ "!"', 'i + 1', '"s"', 'l'])} %}`;
      if (r < 0.42) return `{% set ns.a = ${pick(['ns.a + 1', '"z"', 'x'])} %}`;
      if (r < 0.55) return `{% if ${pick(['true', 'x', 'not y', 'i > 1'])} %}${block()}{% else %}${block()}{% endif %}`;
      if (r < 0.7) return `{% for ${pick(['i', 'k, v', 'x'])} in ${pick(['l', 'pairs', 'd.items()', 'range(2)', '[]'])} ${pick(['', 'if i'])}%}${block()}{% else %}E{% endfor %}`;
      if (r < 0.78) return `{% with ${pick(['x = 5', 'x = y, y = x', '', 'i = 9'])} %}${block()}{% endwith %}`;
      if (r < 0.86) return `{% macro m(a${pick(['', ', b=2', ', b=a'])}) %}${block()}{% endmacro %}`;
      if (r < 0.93) return `{% call${pick(['', '(q)'])} m(${pick(['1', '', 'a=1'])}) %}${block()}{% endcall %}`;
      return `{% filter ${pick(['upper', 'trim', 'replace("1", "one")'])} %}${block()}{% endfilter %}`;
    };
    const prelude = '{% set ns = namespace(a=0) %}{% macro m(a, b=2) %}[{{ a }}{{ b }}{{ varargs }}{{ kwargs }}{{ caller() if caller is defined else "" }}]{% endmacro %}';
    const context = { x: 'X', y: 'Y', l: [1, 2], pairs: [[1, 'a'], [2, 'b']], d: { p: 1, q: 2 }, i: 0 };
    const templates = Array.from({ length: 1000 }, () => prelude + Array.from({ length: 1 + Math.floor(random() * 3) }, () => statement(1)).join(' '));
    const { stats, differences } = await compare(templates.map((template, i) => ({ label: `statements #${i + 1}`, template, context })));
    process.stdout.write(`statements: ${stats.compared} rendered by Jinja2, ${stats.equal} equal; ${stats.jinja2Fails} fail in Jinja2 (${stats.onlyJinja2Fails.length} of them render here)\n`);
    expect(differences).toEqual([]);
    expect(stats.onlyJinja2Fails).toEqual([]);
    expect(stats.equal).toBeGreaterThan(300);
  });

  it('each documented gap still is one (Jinja2 renders it, we do not render the same)', { timeout: 60_000 }, async () => {
    const theirs = renderWithJinja2(python, DOCUMENTED_GAPS.map(({ template }) => ({ template, context: CONTEXT })));
    for (const [i, gap] of DOCUMENTED_GAPS.entries()) {
      const t = theirs[i];
      expect(t.ok, `${gap.template}: ${t.ok ? '' : t.error}`).toBe(true);
      const ours = await renderTemplate(gap.template, CONTEXT).catch((err: unknown) => `ERROR ${(err as Error).message}`);
      expect(ours, gap.template).not.toBe(t.ok ? t.text : undefined);
    }
  });

  const corpus = corpusDir('upstream-playbooks');
  it.skipIf(missingShared(corpus))('every template of the corpus renders as Jinja2 renders it', { timeout: 120_000 }, async () => {
    const cases: (Case & { label: string })[] = [];
    for (const { file, template } of corpusTemplates(corpus)) {
      const context = await standInContext(template);
      cases.push({ label: file, template, context: context ?? {} });
    }
    const { stats, differences } = await compare(cases);
    const known = [...stats.known].map(([reason, n]) => `${n} × ${reason}`).join('; ');
    process.stdout.write(
      `corpus: ${cases.length} template strings, ${stats.compared} rendered by Jinja2, ${stats.equal} equal, ${stats.compared - stats.equal - differences.length} known differences${known ? ` (${known})` : ''}; ${stats.jinja2Fails} fail in Jinja2 (${stats.onlyJinja2Fails.length} of them render here)\n`,
    );
    expect(differences).toEqual([]);
    expect(stats.compared).toBeGreaterThan(1000);
  });
});
