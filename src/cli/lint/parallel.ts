/**
 * Linting many files on several cores: worker threads each lint a share of the files and send
 * back the findings with the source lines they point at. A worker runs this same module (the
 * check at the bottom), so the built bundle needs no extra entry point.
 */
import { availableParallelism } from 'node:os';
import { readFileSync } from 'node:fs';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { lintText } from '../../lint/lint.js';
import { SourceFile } from '../../lint/source.js';
import type { Finding, Severity } from '../../lint/types.js';

export interface FileJob {
  file: string;
  path: string;
  severities: [string, Severity | 'off'][];
}

export interface FileResult {
  path: string;
  findings: Finding[];
  /** Source lines the findings start on, for the default format. */
  lines: Record<number, string>;
  /** errno code or message when the file could not be read. */
  readError?: string;
}

interface WorkerData {
  noetlLintWorker: true;
  jobs: FileJob[];
}

/** Lints files in this thread. */
export function lintFiles(jobs: FileJob[]): FileResult[] {
  return jobs.map((job) => {
    let text: string;
    try {
      text = readFileSync(job.file, 'utf8');
    } catch (e) {
      return { path: job.path, findings: [], lines: {}, readError: (e as NodeJS.ErrnoException).code ?? (e as Error).message };
    }
    const severities = new Map(job.severities);
    const findings = lintText(job.path, text, { severity: (id) => severities.get(id) });
    const source = new SourceFile(job.path, text);
    const lines: Record<number, string> = {};
    for (const f of findings) lines[f.start.line] = source.lineText(f.start.line);
    return { path: job.path, findings, lines };
  });
}

/**
 * Files per worker below which starting threads costs more than it saves: a worker pays its own
 * start-up and cold JIT, so a hundred files (the upstream corpus) lint faster in one thread.
 */
const MIN_FILES_PER_WORKER = 250;

/** How many threads to use for `count` files (1: lint in this thread). NOETL_LINT_JOBS sets it. */
export function threadCount(count: number, env: NodeJS.ProcessEnv): number {
  // Workers run this module's built file; under a TypeScript loader (tests) there is none.
  if (!import.meta.url.endsWith('.js')) return 1;
  const forced = Number(env.NOETL_LINT_JOBS);
  if (Number.isInteger(forced) && forced > 0) return Math.max(1, Math.min(forced, count));
  return Math.max(1, Math.min(availableParallelism(), 8, Math.floor(count / MIN_FILES_PER_WORKER)));
}

/** Lints files across `threads` worker threads; results in the order of `jobs`. */
export async function lintFilesInParallel(jobs: FileJob[], threads: number): Promise<FileResult[]> {
  const shares: FileJob[][] = Array.from({ length: threads }, () => []);
  // Contiguous shares keep a folder's files together (the same config, warm caches).
  const size = Math.ceil(jobs.length / threads);
  jobs.forEach((job, i) => shares[Math.floor(i / size)].push(job));
  const results = await Promise.all(
    shares.map(
      (share) =>
        new Promise<FileResult[]>((resolve, reject) => {
          if (share.length === 0) return resolve([]);
          const worker = new Worker(new URL(import.meta.url), { workerData: { noetlLintWorker: true, jobs: share } satisfies WorkerData });
          worker.once('message', (r: FileResult[]) => resolve(r));
          worker.once('error', reject);
          worker.once('exit', (code) => code !== 0 && reject(new Error(`lint worker exited with code ${code}`)));
        }),
    ),
  );
  return results.flat();
}

if (!isMainThread && (workerData as WorkerData | undefined)?.noetlLintWorker) {
  parentPort?.postMessage(lintFiles((workerData as WorkerData).jobs));
}
