import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, configFor, findConfigFile, globToRegExp, isIgnored, parseConfig } from '../../src/lint/config.js';
import { lintText } from '../../src/lint/lint.js';
import { lint, spans } from './helpers.js';

const secret = (comment: string, sameLine = '') => `kind: Playbook\nworkload:\n${comment}  db_password: hunter2${sameLine}\nworkflow: []\n`;

describe('suppression comments', () => {
  it('on the line above, with a reason, silence the rule', () => {
    expect(lint(secret('  # noetl-lint-ignore literal-secret: fixture password of the local test database\n'))).toEqual([]);
  });

  it('on the same line', () => {
    expect(lint(secret('', '  # noetl-lint-ignore literal-secret: test fixture'))).toEqual([]);
  });

  it('several rules separated by commas', () => {
    expect(lint(secret('  # noetl-lint-ignore auth-ref-naming, literal-secret: fixture\n'))).toEqual([]);
  });

  it('only the named rule, and only the next line', () => {
    const y = secret('  # noetl-lint-ignore auth-ref-naming: not this one\n');
    expect(spans(y, 'literal-secret')).toEqual(['4:16-4:23']);
    const far = `kind: Playbook\n# noetl-lint-ignore literal-secret: too far away\nworkload:\n  db_password: hunter2\nworkflow: []\n`;
    expect(spans(far, 'literal-secret')).toEqual(['4:16-4:23']);
  });

  it('without a reason is itself a finding (and still suppresses)', () => {
    const y = secret('  # noetl-lint-ignore literal-secret\n');
    const f = lint(y);
    expect(f.map((x) => [x.ruleId, `${x.start.line}:${x.start.col}`])).toEqual([['invalid-suppression', '3:3']]);
    expect(f[0].message).toContain('gives no reason');
  });

  it('naming no rule is a finding and suppresses nothing', () => {
    const f = lint(secret('  # noetl-lint-ignore: because\n'));
    expect(f.map((x) => [x.ruleId, `${x.start.line}:${x.start.col}`])).toEqual([['invalid-suppression', '3:3'], ['literal-secret', '4:16']]);
    expect(f[0].message).toBe('noetl-lint-ignore names no rule; write `# noetl-lint-ignore RULE-ID: reason`');
  });

  it('naming an unknown rule is a finding and suppresses nothing', () => {
    const f = lint(secret('  # noetl-lint-ignore literal-secrets: typo\n'));
    expect(f.map((x) => x.ruleId)).toEqual(['invalid-suppression', 'literal-secret']);
    expect(f[0].message).toBe("noetl-lint-ignore names unknown rule 'literal-secrets' (see noetl lint --list-rules)");
  });
});

describe('.noetl-lint.yaml', () => {
  it('severity overrides and off', () => {
    const config = parseConfig('rules:\n  literal-secret: warning\n  auth-ref-naming: off\n', '/x/.noetl-lint.yaml');
    const f = lintText('p.yaml', secret(''), { severity: (id) => config.severities.get(id) });
    expect(f.map((x) => [x.ruleId, x.severity])).toEqual([['literal-secret', 'warning']]);
  });

  it('rejects unknown rules (did-you-mean), bad severities and unknown keys', () => {
    expect(() => parseConfig('rules:\n  literal-secrets: off\n', 'c.yaml')).toThrow(/unknown rule 'literal-secrets'; did you mean 'literal-secret'\?/);
    expect(() => parseConfig('rules:\n  literal-secret: fatal\n', 'c.yaml')).toThrow(ConfigError);
    expect(() => parseConfig('rule: {}\n', 'c.yaml')).toThrow(/unknown key 'rule'/);
    expect(() => parseConfig('ignore: fixtures\n', 'c.yaml')).toThrow(/list of path globs/);
    expect(() => parseConfig('rules:\n  literal-secret: off\n   bad: 1\n', 'c.yaml')).toThrow(/^c\.yaml:3:\d+: not valid YAML: /);
  });

  it('globs: *, ** and folders', () => {
    expect(globToRegExp('broken/**').test('broken/a/b.yaml')).toBe(true);
    expect(globToRegExp('**/*.tmpl.yaml').test('a/b/c.tmpl.yaml')).toBe(true);
    expect(globToRegExp('**/*.tmpl.yaml').test('c.tmpl.yaml')).toBe(true);
    expect(globToRegExp('*.yaml').test('a/b.yaml')).toBe(false);
    expect(globToRegExp('fixtures').test('fixtures/x.yaml')).toBe(true);
    expect(globToRegExp('fixtures').test('fixtures2/x.yaml')).toBe(false);
  });

  it('is found by walking up from the linted path; ignore paths are relative to it', () => {
    const root = mkdtempSync(join(tmpdir(), 'noetl-lint-config-'));
    mkdirSync(join(root, 'a', 'b', 'broken'), { recursive: true });
    writeFileSync(join(root, '.noetl-lint.yaml'), 'ignore:\n  - a/b/broken\n');
    writeFileSync(join(root, 'a', 'b', 'p.yaml'), 'kind: Playbook\n');
    expect(findConfigFile(join(root, 'a', 'b', 'p.yaml'))).toBe(join(root, '.noetl-lint.yaml'));
    expect(findConfigFile(join(root, 'a', 'b'))).toBe(join(root, '.noetl-lint.yaml'));
    const config = configFor(join(root, 'a', 'b', 'p.yaml'));
    expect(isIgnored(config, join(root, 'a', 'b', 'broken', 'x.yaml'))).toBe(true);
    expect(isIgnored(config, join(root, 'a', 'b', 'p.yaml'))).toBe(false);
  });
});
