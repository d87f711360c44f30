import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import AjvModule from 'ajv';
import { describe, expect, it } from 'vitest';
import { formatCompact } from '../../src/lint/format/compact.js';
import { formatGithub } from '../../src/lint/format/github.js';
import { formatJson } from '../../src/lint/format/json.js';
import { toSarif } from '../../src/lint/format/sarif.js';
import { formatText, underline } from '../../src/lint/format/text.js';
import { lintText } from '../../src/lint/lint.js';
import { RULES } from '../../src/lint/rules/index.js';

// ajv is CommonJS: under NodeNext its class is the module's default export.
const Ajv = AjvModule.default;

const yaml = `kind: Playbook
workload:
  pg_auth: pg_local
workflow:
  - step: a
    tool:
      kind: postgres
      auth: "{{ workload.pg_aut }}"
      command: |
        SELECT '{{ fetch_dta.id }}'
`;
const path = 'dir/my playbook.yaml';
const findings = lintText(path, yaml);
const lines = yaml.split('\n');

describe('formats', () => {
  it('text: path:line:col: severity: message [rule-id], the source line, and an underline under the exact span', () => {
    const out = formatText(findings, (_p, line) => lines[line - 1], { color: false });
    expect(out).toBe(
      [
        "dir/my playbook.yaml:8:26: error: workload key 'pg_aut' is not declared; did you mean 'pg_auth'? (workload declares: pg_auth) [undefined-workload-key]",
        ' 8 |       auth: "{{ workload.pg_aut }}"',
        '   |                          ^~~~~~',
        "dir/my playbook.yaml:10:20: error: 'fetch_dta' is not a step, a workload key or a variable [undefined-reference]",
        " 10 |         SELECT '{{ fetch_dta.id }}'",
        '    |                    ^~~~~~~~~',
        '',
      ].join('\n'),
    );
  });

  it('text: colors only when asked', () => {
    const colored = formatText(findings, (_p, line) => lines[line - 1], { color: true });
    expect(colored).toContain('\x1b[31merror:\x1b[0m');
    expect(colored).toContain('\x1b[31m[undefined-workload-key]');
  });

  it('underline keeps tabs so it lines up', () => {
    expect(underline('\tab cd', 5, 7)).toBe('\t   ^~');
  });

  it('compact: one line per finding with the severity', () => {
    expect(formatCompact(findings).split('\n')[0]).toBe("dir/my playbook.yaml:8:26: error: workload key 'pg_aut' is not declared; did you mean 'pg_auth'? (workload declares: pg_auth) [undefined-workload-key]");
  });

  it('json: 1-based positions, end exclusive', () => {
    expect(JSON.parse(formatJson(findings))[0]).toEqual({
      path,
      line: 8,
      column: 26,
      endLine: 8,
      endColumn: 32,
      severity: 'error',
      rule: 'undefined-workload-key',
      message: "workload key 'pg_aut' is not declared; did you mean 'pg_auth'? (workload declares: pg_auth)",
    });
  });

  it('github: workflow commands with escaped properties and data', () => {
    const out = formatGithub([{ ...findings[0], message: 'a: b, 100%\nnext' }]);
    expect(out).toBe('::error file=dir/my playbook.yaml,line=8,col=26,endLine=8,endColumn=32,title=noetl lint%3A undefined-workload-key::a: b, 100%25%0Anext [undefined-workload-key]\n');
  });

  it('sarif: valid against the SARIF 2.1.0 schema, with rules and regions', () => {
    const schema = JSON.parse(readFileSync(fileURLToPath(new URL('./fixtures/sarif-2.1.0-rtm.5.json', import.meta.url)), 'utf8'));
    // The schema is draft-04; its keywords validate the same under ajv's default draft.
    delete schema.$schema;
    delete schema.id;
    const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true, unicodeRegExp: false });
    const validate = ajv.compile(schema);
    const log = toSarif(findings, RULES, '1.2.3') as { runs: { results: { ruleIndex: number; locations: { physicalLocation: { artifactLocation: { uri: string }; region: object } }[] }[]; tool: { driver: { rules: { id: string }[] } } }[] };
    expect(validate(log), JSON.stringify(validate.errors)).toBe(true);
    const result = log.runs[0].results[0];
    expect(log.runs[0].tool.driver.rules[result.ruleIndex].id).toBe('undefined-workload-key');
    expect(result.locations[0].physicalLocation.artifactLocation.uri).toBe('dir/my%20playbook.yaml');
    expect(result.locations[0].physicalLocation.region).toEqual({ startLine: 8, startColumn: 26, endLine: 8, endColumn: 32 });
    // And an empty run is valid too.
    expect(validate(toSarif([], RULES, '1.2.3'))).toBe(true);
  });

  it('sarif: the schema rejects a broken log (the validation is real)', () => {
    const schema = JSON.parse(readFileSync(fileURLToPath(new URL('./fixtures/sarif-2.1.0-rtm.5.json', import.meta.url)), 'utf8'));
    delete schema.$schema;
    delete schema.id;
    const validate = new Ajv({ strict: false, validateFormats: false, unicodeRegExp: false }).compile(schema);
    expect(validate({ version: '2.1.0', runs: [{ results: [] }] })).toBe(false);
  });
});
