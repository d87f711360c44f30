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
