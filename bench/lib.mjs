// Helpers shared by the benches: timing child processes, medians and percentiles,
// and throw-away databases on both backends.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const root = new URL('..', import.meta.url).pathname;
export const noetl = join(root, 'bin', 'noetl');
export const serverUrl = process.env.NOETL_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
export const median = (values) => percentile(values, 50);

/**
 * Wall time of one run of a command, in ms; throws unless it exits with one of `okCodes`
 * (a linter exits 1 when it has findings).
 */
export function timeCommand(cmd, args, env, okCodes = [0]) {
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 28 });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.error) throw r.error;
  if (!okCodes.includes(r.status)) throw new Error(`${cmd} ${args.slice(0, 3).join(' ')} … exited ${r.status}: ${r.stderr}`);
  return ms;
}

/**
 * Times several commands round-robin (so load on the machine hits them alike) and returns
 * the median of each, after warm-up runs.
 */
export function timeInterleaved(commands, runs = 15, warmup = 2) {
  const samples = commands.map(() => []);
  for (let i = 0; i < warmup + runs; i++) {
    commands.forEach((c, k) => {
      const ms = timeCommand(c.cmd, c.args, c.env, c.okCodes);
      if (i >= warmup) samples[k].push(ms);
    });
  }
  return samples.map(median);
}

/**
 * Times two commands back to back, `runs` times (which goes first alternates), and returns the
 * median of each and the median of the per-round ratios a/b: the machine's slow spells hit both
 * runs of a round alike, so the ratio is steadier than the ratio of the medians.
 */
export function timePaired(a, b, runs = 15, warmup = 1) {
  const as = [];
  const bs = [];
  for (let i = 0; i < warmup + runs; i++) {
    const [first, second] = i % 2 === 0 ? [a, b] : [b, a];
    const t1 = timeCommand(first.cmd, first.args, first.env, first.okCodes);
    const t2 = timeCommand(second.cmd, second.args, second.env, second.okCodes);
    if (i < warmup) continue;
    as.push(i % 2 === 0 ? t1 : t2);
    bs.push(i % 2 === 0 ? t2 : t1);
  }
  return { a: median(as), b: median(bs), ratio: median(as.map((t, k) => t / bs[k])) };
}

export function uniqueName(prefix) {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

export function tempDir(prefix) {
  return mkdtempSync(join(tmpdir(), prefix));
}

export const fmt = (ms) => `${ms.toFixed(1)} ms`;
export const ratio = (a, b) => `${(a / b).toFixed(2)}×`;

/** A new database on the bench's PostgreSQL server: its URL, and drop() for the end of the bench. */
export async function benchDatabase(prefix) {
  const { default: pg } = await import('pg');
  const name = uniqueName(prefix);
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}
