import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/cli.js';
import { missingShared } from '../helpers/corpus.js';

const savedCI = process.env.CI;
afterEach(() => {
  if (savedCI === undefined) delete process.env.CI;
  else process.env.CI = savedCI;
});

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? testFiles(join(dir, e.name)) : e.name.endsWith('.test.ts') ? [join(dir, e.name)] : []));
}

describe('tests that use shared/ (a clone may not have it; CI must)', () => {
  it('missingShared: nothing when present; the missing path when absent; a failure with CI=true', () => {
    delete process.env.CI;
    expect(missingShared(repoRoot)).toBeUndefined();
    const gone = join(repoRoot, 'no-such-shared-dir', 'corpus');
    expect(missingShared(repoRoot, gone)).toBe(`${gone} not found (shared/ beside the checkout, or NOETL_SHARED_DIR)`);
    process.env.CI = 'true';
    expect(() => missingShared(gone)).toThrow(`${gone} not found (shared/ beside the checkout, or NOETL_SHARED_DIR): with CI=true the tests that use shared data must run, not skip`);
  });

  it('every test file that reads shared/ asks missingShared first', () => {
    const unguarded = testFiles(join(repoRoot, 'test'))
      .filter((f) => !f.endsWith('shared-data.test.ts'))
      .filter((f) => {
        const text = readFileSync(f, 'utf8');
        return /\b(sharedPath|corpusDir)\(/.test(text) && !/\bmissingShared\(/.test(text);
      })
      .map((f) => relative(repoRoot, f));
    expect(unguarded).toEqual([]);
  });

  it('without shared/, a test file that needs it passes with one line naming what is missing; with CI=true it fails', () => {
    const vitest = (env: NodeJS.ProcessEnv) =>
      spawnSync(process.execPath, [join(repoRoot, 'node_modules/vitest/vitest.mjs'), 'run', 'test/lint/corpus.test.ts'], {
        cwd: repoRoot,
        env: { ...process.env, NOETL_TEST_BACKEND: 'embedded', NOETL_SHARED_DIR: join(repoRoot, 'no-such-shared-dir'), NO_COLOR: '1', ...env },
        encoding: 'utf8',
        timeout: 60_000,
      });
    const missing = join(repoRoot, 'no-such-shared-dir', 'corpus', 'upstream-playbooks');
    const clone = vitest({ CI: '' });
    expect(clone.status, clone.stdout + clone.stderr).toBe(0);
    expect((clone.stdout + clone.stderr).match(/^skipped: .*$/gm)).toEqual([`skipped: the tests that need ${missing} not found (shared/ beside the checkout, or NOETL_SHARED_DIR)`]);
    const ci = vitest({ CI: 'true' });
    expect(ci.status).not.toBe(0);
    expect(ci.stdout + ci.stderr).toContain(`${missing} not found (shared/ beside the checkout, or NOETL_SHARED_DIR): with CI=true the tests that use shared data must run, not skip`);
  });
});
