import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { repoRoot } from './cli.js';

/**
 * The NoETL material that specifies and exercises the tool (shared/: spec, corpus), which
 * lies beside the checkout here and in CI; NOETL_SHARED_DIR points elsewhere.
 */
export function sharedPath(...parts: string[]): string {
  return resolve(process.env.NOETL_SHARED_DIR ?? resolve(repoRoot, '../shared'), ...parts);
}

/** The real-world corpus (shared/corpus, see its README). */
export function corpusDir(sub: 'upstream-playbooks' | 'upstream-credentials'): string {
  return sharedPath('corpus', sub);
}

/** CI lays shared/ beside the checkout (.ci/run sets CI=true, read as scripts/test.mjs reads it). */
const inCI = () => process.env.CI === 'true' || process.env.CI === '1';

/** Missing paths already reported by this test file. */
const reported = new Set<string>();

/**
 * Why the tests that need `paths` (under shared/) cannot run here, for `it.skipIf` /
 * `describe.skipIf`; undefined when they are all there. A clone without shared/ skips those
 * tests and says so in one line naming what is missing; in CI a missing path is a failure
 * (this throws, and the test file fails to load), never a quiet skip.
 */
export function missingShared(...paths: string[]): string | undefined {
  const missing = paths.filter((p) => !existsSync(p));
  if (missing.length === 0) return undefined;
  const what = `${missing.join(', ')} not found (shared/ beside the checkout, or NOETL_SHARED_DIR)`;
  if (inCI()) throw new Error(`${what}: with CI=true the tests that use shared data must run, not skip`);
  const line = `skipped: the tests that need ${what}\n`;
  if (!reported.has(line)) process.stderr.write(line);
  reported.add(line);
  return what;
}
