/** Every rule is in --list-rules, --explain and the man page (npm run gen keeps man/ current). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runLint } from '../../src/cli/lint/run.js';
import { RULES } from '../../src/lint/rules/index.js';
import { memIO } from '../helpers/memio.js';

const base = { paths: [], format: 'text' as const, failLevel: 'error' as const, listRules: false, checkCredentials: false, quiet: true };

describe('rule documentation', () => {
  it('--list-rules lists every rule with its severity and summary', async () => {
    const m = memIO();
    expect(await runLint({ ...base, listRules: true }, { io: m.io, cwd: '.', version: '1' })).toBe(0);
    const lines = m.stdout().trimEnd().split('\n');
    expect(lines.map((l) => l.split(/\s+/)[0])).toEqual(RULES.map((r) => r.id));
    for (const r of RULES) expect(lines.find((l) => l.startsWith(`${r.id} `))).toMatch(new RegExp(`\\s${r.defaultSeverity}\\s+${r.summary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
  });

  it('--explain prints each rule whole', async () => {
    for (const r of RULES) {
      const m = memIO();
      await runLint({ ...base, explain: r.id }, { io: m.io, cwd: '.', version: '1' });
      expect(m.stdout()).toBe(`${r.id} (default severity: ${r.defaultSeverity})\n${r.summary}\n\n${r.docs}\n`);
    }
  });

  it('the man page has a section per rule, with its example', () => {
    const man = readFileSync(new URL('../../man/noetl-lint.1', import.meta.url), 'utf8');
    const sections = [...man.matchAll(/^\.SS (.*)$/gm)].map((m) => m[1].replace(/\\-/g, '-'));
    expect(sections).toEqual(RULES.map((r) => `${r.id} (${r.defaultSeverity})`));
    expect(man).toContain('auth: "{{ workload.openai_auth }}"         # auth\\-secret\\-path');
  });
});
