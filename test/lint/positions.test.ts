import { describe, expect, it } from 'vitest';
import { parseYamlDocuments, toJS } from '../../src/lint/yaml-tree.js';
import { covered, lint, messages, spans } from './helpers.js';

const head = 'kind: Playbook\nworkload:\n  pg_auth: pg_local\nworkflow:\n  - step: a\n    tool:\n      kind: http\n';

describe('positions inside scalars', () => {
  it('plain scalar', () => {
    const y = `${head}      url: https://x/{{ workload.bogus }}\n`;
    expect(spans(y, 'undefined-workload-key')).toEqual(['8:34-8:39']);
    expect(covered(y, 'undefined-workload-key')).toEqual(['bogus']);
  });

  it('double-quoted scalar with escapes before the span', () => {
    const y = `${head}      url: "a\\t\\"b\\u00e9 {{ workload.bogus }}"\n`;
    expect(covered(y, 'undefined-workload-key')).toEqual(['bogus']);
  });

  it("single-quoted scalar with '' before the span", () => {
    const y = `${head}      q: 'it''s {{ workload.bogus }}'\n`;
    expect(covered(y, 'undefined-workload-key')).toEqual(['bogus']);
  });

  it('multi-line plain and quoted scalars (folded lines)', () => {
    const y = `${head}      q: first line\n        second {{ workload.bogus }}\n      r: "one\n        two {{ workload.other }}"\n`;
    expect(spans(y, 'undefined-workload-key')).toEqual(['9:28-9:33', '11:25-11:30']);
  });

  it('literal block scalar, including more-indented lines', () => {
    const y = `${head}      command: |\n        SELECT 1\n          FROM t\n        WHERE a = '{{ workload.bogus }}'\n`;
    expect(spans(y, 'undefined-workload-key')).toEqual(['11:32-11:37']);
  });

  it('folded block scalar with a chomping indicator', () => {
    const y = `${head}      command: >-\n        one\n\n        two {{ workload.bogus }}\n`;
    expect(spans(y, 'undefined-workload-key')).toEqual(['11:25-11:30']);
  });

  it('template syntax errors point at the exact column inside a block scalar', () => {
    const y = `${head}      command: |\n        SELECT {{ workload.pg_auth }\n`;
    expect(spans(y, 'template-syntax')).toEqual(['9:36-9:37']);
  });

  it('keys and values of flow collections', () => {
    const y = `${head}      headers: { X-Id: "{{ workload.bogus }}" }\n`;
    expect(covered(y, 'undefined-workload-key')).toEqual(['bogus']);
  });

  it('escaped line breaks, more-indented folded lines, astral characters, keep and explicit indentation, blocks in sequences', () => {
    const cases: [string, string[]][] = [
      [`${head}      q: "one \\\n        two {{ workload.bogus }}"\n`, ['9:25-9:30']],
      [`${head}      q: >\n        para\n          indented {{ workload.bogus }}\n        back {{ workload.other }}\n`, ['10:32-10:37', '11:26-11:31']],
      [`${head}      q: "\\U0001F600 {{ workload.bogus }}"\n`, ['8:34-8:39']],
      [`${head}      q: 😀 {{ workload.bogus }}\n`, ['8:25-8:30']],
      [`${head}      q: |+\n        a {{ workload.bogus }}\n\n`, ['9:23-9:28']],
      [`${head}      q: |2\n          a {{ workload.bogus }}\n`, ['9:25-9:30']],
      [`${head}      args:\n        - |\n          x {{ workload.bogus }}\n`, ['10:25-10:30']],
    ];
    for (const [y, expected] of cases) {
      expect(spans(y, 'undefined-workload-key'), y).toEqual(expected);
      expect(covered(y, 'undefined-workload-key').every((c) => c === 'bogus' || c === 'other'), y).toBe(true);
    }
  });

  it('CRLF line endings', () => {
    const y = `${head}      url: https://x/{{ workload.bogus }}\n`.replace(/\n/g, '\r\n');
    expect(spans(y, 'undefined-workload-key')).toEqual(['8:34-8:39']);
  });
});

describe('parsing', () => {
  it('reports YAML syntax errors and goes on with the other documents', () => {
    const y = `kind: Playbook\nworkflow:\n  - step: a\n    tool: "unclosed\n---\n${head}      url: "{{ workload.bogus }}"\n`;
    expect(spans(y, 'yaml-syntax')).toEqual(['4:11-4:12']);
    expect(spans(y, 'undefined-workload-key')).toEqual(['13:25-13:30']);
  });

  it('reports a duplicate key at the occurrence NoETL ignores (PyYAML keeps the last), and lints the value it reads', () => {
    const y = `${head}      auth: "{{ workload.bogus }}"\n      auth: "{{ workload.pg_auth }}"\n`;
    expect(spans(y, 'duplicate-key')).toEqual(['8:7-8:11']);
    expect(lint(y).find((f) => f.ruleId === 'duplicate-key')?.message).toBe("duplicate key 'auth': NoETL reads the last one (line 9) and ignores this value; merge them or remove one");
    // The ignored value is not linted: NoETL never reads it.
    expect(spans(y, 'undefined-workload-key')).toEqual([]);
    const kept = `${head}      auth: "{{ workload.pg_auth }}"\n      auth: "{{ workload.bogus }}"\n`;
    expect(spans(kept, 'duplicate-key')).toEqual(['8:7-8:11']);
    expect(spans(kept, 'undefined-workload-key')).toEqual(['9:26-9:31']);
  });

  it('points an unclosed quote at the quote that opens it', () => {
    const y = 'kind: Playbook\nworkflow:\n  - step: a\n    tool: "unclosed\n    x: 1\n';
    expect(spans(y, 'yaml-syntax')).toEqual(['4:11-4:12']);
    expect(lint(y)[0].message).toBe('unclosed double-quoted string: the quote opened here is never closed');
  });

  it('points an unclosed single quote at its quote too, and the next document is still linted', () => {
    const y = `kind: Playbook\nworkflow:\n  - step: a\n    desc: 'it is\n---\n${head}      url: "{{ workload.bogus }}"\n`;
    expect(spans(y, 'yaml-syntax')).toEqual(['4:11-4:12']);
    expect(messages(y, 'yaml-syntax')).toEqual(['unclosed single-quoted string: the quote opened here is never closed']);
    expect(spans(y, 'undefined-workload-key')).toEqual(['13:25-13:30']);
  });

  it('reports the first syntax error of a document where the parser stopped, once', () => {
    const y = 'kind: Playbook\nworkflow:\n  - step: a\n     tool: http\n    next: b\n';
    const found = lint(y).filter((f) => f.ruleId === 'yaml-syntax');
    expect(found).toHaveLength(1);
    expect(`${found[0].start.line}:${found[0].start.col}`).toBe('4:6');
    expect(found[0].message).toBe('bad indentation of a mapping entry: align this key with the other keys of its mapping');
  });

  it('keeps file positions after a byte-order mark, directives, and CRLF document markers', () => {
    expect(spans(`\ufeff${head}      url: "{{ workload.bogus }}"\n`, 'undefined-workload-key')).toEqual(['8:25-8:30']);
    expect(spans(`%YAML 1.2\n---\n${head}      url: "{{ workload.bogus }}"\n`, 'undefined-workload-key')).toEqual(['10:25-10:30']);
    const crlf = `kind: Other\n---\n${head}      url: "{{ workload.bogus }}"\n`.replace(/\n/g, '\r\n');
    expect(spans(crlf, 'undefined-workload-key')).toEqual(['10:25-10:30']);
  });

  it('reports duplicate keys in nested and flow mappings, by value (quoted or not)', () => {
    const y = `${head}      headers: {X-Id: a, "X-Id": b}\n      q:\n        k: 1\n        k: 2\n`;
    expect(spans(y, 'duplicate-key')).toEqual(['8:17-8:21', '10:9-10:10']);
    expect(messages(y, 'duplicate-key')).toEqual(["duplicate key 'X-Id': NoETL reads the last one (line 8) and ignores this value; merge them or remove one", "duplicate key 'k': NoETL reads the last one (line 11) and ignores this value; merge them or remove one"]);
  });

  it('types plain scalars by the YAML 1.2 core schema and keeps quoted ones strings', () => {
    const [doc] = parseYamlDocuments('a: 3\nb: "3"\nc: true\nd: yes\ne: ~\nf: 0x1F\ng: 1e3\nh: .inf\ni: null_value\nj:\n');
    expect(toJS(doc.root)).toEqual({ a: 3, b: '3', c: true, d: 'yes', e: null, f: 31, g: 1000, h: Infinity, i: 'null_value', j: null });
  });

  it('explains an unquoted value that starts with {{', () => {
    const y = 'kind: Playbook\nurl: {{ workload.x }}/y\n';
    expect(spans(y, 'yaml-syntax')).toEqual(['2:6-2:8']);
    expect(lint(y)[0].message).toContain("a value that starts with '{{' is read as a YAML mapping; quote the whole value");
  });

  it('lints only playbook documents', () => {
    expect(lint('kind: Subscription\nauth: "Bearer abcdefghijklmnop1234"\n')).toEqual([]);
    expect(lint('keychain:\n  - name: x\n')).not.toEqual([]);
  });

  it('never throws on odd input', () => {
    for (const text of ['', '---', '\t\t', ': :', '- - -', 'kind: Playbook\nworkflow: 3', 'kind: Playbook\nkeychain: {a: 1}', '%YAML 9.9\n---\na']) {
      expect(() => lint(text)).not.toThrow();
    }
  });
});
