/**
 * Linting many files on several cores: this thread lints one share of the files while worker
 * threads each lint another and send back the findings with the source lines they point at. A
 * worker runs this same module (the check at the bottom, on an argument only workers get), so
 * the built bundle needs no extra entry point; lintPaths loads it only for a run on several
 * threads, so a run on one thread never loads it or worker_threads.
 */
import { statSync } from 'node:fs';
import { readInputFile } from '../io/input-file.js';
import { lintFile } from './lint.js';
import { SourceFile } from './source.js';
import type { Finding, Severity } from './types.js';

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

/** Lints files in this thread. */
function lintFiles(jobs: FileJob[]): FileResult[] {
  return jobs.map((job) => {
    let text: string;
    try {
      text = readInputFile(job.file, job.path);
    } catch (e) {
      return { path: job.path, findings: [], playbooks: 0, lines: {}, readError: (e as Error).message };
    }
    const severities = new Map(job.severities);
    const { findings, playbooks } = lintFile(job.path, text, { severity: (id) => severities.get(id) });
    const source = new SourceFile(job.path, text);
    const lines: Record<number, string> = {};
    for (const f of findings) lines[f.start.line] = source.lineText(f.start.line);
    return { path: job.path, findings, playbooks, lines };
  });
}

/**
 * Bytes of YAML this thread lints while a worker starts and warms up (~130 ms): each worker's
 * share is that much smaller, so the threads finish together.
 */
const WORKER_START_BYTES = 200_000;

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

/** Lints files on `threads` threads (this one and workers); results in the order of `jobs`. */
export async function lintFilesInParallel(jobs: FileJob[], threads: number): Promise<FileResult[]> {
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
  const ownResults = lintFiles(own.map((i) => jobs[i]));
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
