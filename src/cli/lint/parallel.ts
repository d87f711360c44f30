/**
 * Linting many files on several cores: this thread lints one share of the files while worker
 * threads each lint another and send back the findings with the source lines they point at. A
 * worker runs this same module (the check at the bottom, on an argument only workers get), so
 * the built bundle needs no extra entry point, and a run on one thread never loads worker_threads.
 */
import { availableParallelism } from 'node:os';
import { statSync } from 'node:fs';
import { readInputFile } from '../../store/input-file.js';
import { lintFile } from '../../lint/lint.js';
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
  /** Playbook documents in the file (0: not a playbook). */
  playbooks: number;
  /** Source lines the findings start on, for the default format. */
  lines: Record<number, string>;
  /** errno code or message when the file could not be read. */
  readError?: string;
}

/** The argument that makes this module a worker. */
const WORKER_ARG = '--noetl-lint-worker';

/** Lints files in this thread; `onRead` hears each file's length before it is linted. */
function lintFiles(jobs: FileJob[], onRead?: (chars: number) => void): FileResult[] {
  return jobs.map((job) => {
    let text: string;
    try {
      text = readInputFile(job.file, job.path);
    } catch (e) {
      return { path: job.path, findings: [], playbooks: 0, lines: {}, readError: (e as Error).message };
    }
    onRead?.(text.length);
    const severities = new Map(job.severities);
    const { findings, playbooks } = lintFile(job.path, text, { severity: (id) => severities.get(id) });
    const source = new SourceFile(job.path, text);
    const lines: Record<number, string> = {};
    for (const f of findings) lines[f.start.line] = source.lineText(f.start.line);
    return { path: job.path, findings, playbooks, lines };
  });
}

/**
 * Files per thread below which another thread costs more than it saves: a worker pays its own
 * start-up and cold code (~60 ms of CPU, what ~30 files of the upstream corpus take), so it
 * needs a share well above that.
 */
const MIN_FILES_PER_THREAD = 80;

/**
 * Cores left to V8's own threads: its optimizing compiler and garbage collector run beside the
 * linting thread, and on two cores a worker only competes with them (the upstream corpus, and
 * 4,000 copies of it, lint no faster on two threads than on one).
 */
const CORES_FOR_V8 = 1;

/**
 * Bytes of YAML this thread lints while a worker starts and warms up (~130 ms): each worker's
 * share is that much smaller, so the threads finish together.
 */
const WORKER_START_BYTES = 200_000;

/** How many threads to use for `count` files (1: lint in this thread). NOETL_LINT_JOBS sets it. */
export function threadCount(count: number, env: NodeJS.ProcessEnv): number {
  // Workers run this module's built file; under a TypeScript loader (tests) there is none.
  if (!import.meta.url.endsWith('.js')) return 1;
  const forced = Number(env.NOETL_LINT_JOBS);
  if (Number.isInteger(forced) && forced > 0) return Math.max(1, Math.min(forced, count));
  return Math.max(1, Math.min(availableParallelism() - CORES_FOR_V8, 8, Math.floor(count / MIN_FILES_PER_THREAD)));
}

/**
 * Job indices in `threads` shares of about equal size in bytes (largest files first, each to the
 * share with the least so far); share 0 is this thread's, and each worker's counts WORKER_START_BYTES more.
 */
function shareJobs(jobs: FileJob[], threads: number): number[][] {
  const sizes = jobs.map((job) => {
    try {
      return statSync(job.file).size;
    } catch {
      return 0; // whoever lints it reports the read error
    }
  });
  const shares: number[][] = Array.from({ length: threads }, () => []);
  const totals: number[] = shares.map((_, k) => (k === 0 ? 0 : WORKER_START_BYTES));
  const bySize = jobs.map((_, i) => i).sort((a, b) => sizes[b] - sizes[a] || a - b);
  for (const i of bySize) {
    const k = totals.indexOf(Math.min(...totals));
    shares[k].push(i);
    totals[k] += sizes[i];
  }
  // Within a share, the order given (a folder's files together).
  for (const share of shares) share.sort((a, b) => a - b);
  return shares;
}

/**
 * Lints files on `threads` threads (this one and workers); results in the order of `jobs`.
 * `onRead` hears the length of each file this thread lints.
 */
export async function lintFilesInParallel(jobs: FileJob[], threads: number, onRead?: (chars: number) => void): Promise<FileResult[]> {
  const [own, ...others] = shareJobs(jobs, threads);
  const { Worker } = await import('node:worker_threads');
  const workers = others.map(
    (share) =>
      new Promise<FileResult[]>((resolve, reject) => {
        if (share.length === 0) return resolve([]);
        const worker = new Worker(new URL(import.meta.url), { argv: [WORKER_ARG], workerData: share.map((i) => jobs[i]) satisfies FileJob[] });
        worker.once('message', (r: FileResult[]) => resolve(r));
        worker.once('error', reject);
        worker.once('exit', (code) => code !== 0 && reject(new Error(`lint worker exited with code ${code}`)));
      }),
  );
  // The workers start meanwhile: this thread lints its share while they load.
  const ownResults = lintFiles(
    own.map((i) => jobs[i]),
    onRead,
  );
  const results: FileResult[] = new Array(jobs.length);
  own.forEach((i, n) => (results[i] = ownResults[n]));
  const workerResults = await Promise.all(workers);
  others.forEach((share, k) => share.forEach((i, n) => (results[i] = workerResults[k][n])));
  return results;
}

if (process.argv.includes(WORKER_ARG)) {
  const { isMainThread, parentPort, workerData } = await import('node:worker_threads');
  if (!isMainThread) parentPort?.postMessage(lintFiles(workerData as FileJob[]));
}
