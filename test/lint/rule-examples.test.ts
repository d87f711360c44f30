/**
 * Every rule's documentation (--explain, the man page) carries an executable example: an
 * indented block that is a playbook, with the lines that must be reported marked by a comment
 * naming the rule (`# literal-secret`, `# literal-secret: why`, several ids separated by commas,
 * or `# next line: <id>` on the line above, for a line that cannot carry a comment). Linting the
 * block must give exactly the marked findings: each marked line the rule(s) it names, nothing
 * else anywhere in it.
 */
import { describe, expect, it } from 'vitest';
import { lintPaths } from '../../src/lint/paths.js';
import { RULES, RULES_BY_ID } from '../../src/lint/rules/index.js';

/** The indented blocks of a rule's docs, without their indentation. */
function blocks(docs: string): string[] {
  const out: string[] = [];
  let current: string[] | undefined;
  for (const line of docs.split('\n')) {
    if (line.startsWith('    ') || (current && line.trim() === '')) {
      (current ??= []).push(line.slice(4));
    } else if (current) {
      out.push(current.join('\n').replace(/\n+$/, '\n'));
      current = undefined;
    }
  }
  if (current) out.push(current.join('\n').replace(/\n+$/, '\n'));
  return out;
}

const IDS = /^[a-z][a-z0-9-]*(\s*,\s*[a-z][a-z0-9-]*)*/;

/** Rule ids a line's comment marks, when every word of it is a rule id. */
function marked(comment: string): string[] {
  const ids = IDS.exec(comment.trim())?.[0].split(',').map((s) => s.trim()) ?? [];
  return ids.length > 0 && ids.every((id) => RULES_BY_ID.has(id)) ? ids : [];
}

/** `line rule` of every marked finding of an example. */
function expected(example: string): string[] {
  const out: string[] = [];
  example.split('\n').forEach((line, i) => {
    const next = /^\s*#\s*next line:\s*(.*)$/.exec(line);
    if (next) {
      for (const id of marked(next[1])) out.push(`${i + 2} ${id}`);
      return;
    }
    // Every comment on the line (a `#` after a space), not a `#` inside a URL or a value.
    for (const m of line.matchAll(/(?:^|\s)#\s*([^#]*)/g)) for (const id of marked(m[1])) out.push(`${i + 1} ${id}`);
  });
  return out.sort();
}

/** For an example that marks missing-credential: every credential it names is missing but pg_local. */
const missingCredentials = async (names: string[]) => new Set(names.filter((n) => n !== 'pg_local'));

describe('every rule documents an example that lints to exactly the findings it marks', () => {
  for (const rule of RULES) {
    it(rule.id, async () => {
      const examples = blocks(rule.docs).filter((b) => expected(b).length > 0);
      expect(examples.length, `${rule.id} has no marked example`).toBeGreaterThan(0);
      expect(examples.some((b) => expected(b).some((e) => e.endsWith(` ${rule.id}`))), `${rule.id}: no example marks it`).toBe(true);
      for (const example of examples) {
        const checksCredentials = expected(example).some((e) => e.endsWith(' missing-credential'));
        const result = await lintPaths({ paths: ['-'], stdin: async () => example, stdinFilename: 'example.yaml', missingCredentials: checksCredentials ? missingCredentials : undefined });
        expect(result.inputs[0].playbooks, `${rule.id}: the example is not a playbook:\n${example}`).toBeGreaterThan(0);
        const found = result.findings.map((f) => `${f.start.line} ${f.ruleId}`).sort();
        expect(found, `${rule.id}:\n${example}\n${result.findings.map((f) => `${f.start.line}: ${f.message} [${f.ruleId}]`).join('\n')}`).toEqual(expected(example));
      }
    });
  }
});
