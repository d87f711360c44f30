import { corpusDir, missingShared } from '../helpers/corpus.js';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lintText } from '../../src/lint/lint.js';

/** The real-world corpus beside the repository (shared/corpus, see its README). */
const corpus = corpusDir('upstream-playbooks');

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .flatMap((e) => (e.isDirectory() ? yamlFiles(join(dir, e.name)) : /\.ya?ml$/.test(e.name) ? [join(dir, e.name)] : []));
}

// shared/ may be absent (a clone without it): these tests skip, and say so.
describe.skipIf(missingShared(corpus))('the upstream playbook corpus', () => {
  it('has the playbooks the README describes', () => {
    expect(yamlFiles(corpus).length).toBeGreaterThan(90);
  });

  it('lints every file without a crash; the findings are the reviewed snapshot', async () => {
    const lines: string[] = [];
    for (const file of yamlFiles(corpus)) {
      const path = relative(corpus, file).split('\\').join('/');
      for (const f of lintText(path, readFileSync(file, 'utf8'))) lines.push(`${f.path}:${f.start.line}:${f.start.col}: ${f.severity}: ${f.message} [${f.ruleId}]`);
    }
    // Reviewed finding by finding: test/lint/CORPUS-REVIEW.md says why each one is right.
    await expect(`${lines.join('\n')}\n`).toMatchFileSnapshot('./corpus-findings.txt');
  });
});
