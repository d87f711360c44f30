// Runs every bench/*.bench.mjs in turn (after `npm run build`, which `npm run bench` does).
// Each prints its figures as ratios against a baseline it measures in the same run.
//   npm run bench                 all of them
//   npm run bench -- startup lint only those whose file name contains one of the words
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

const dir = new URL('.', import.meta.url).pathname;
const only = process.argv.slice(2);
const benches = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.mjs'))
  .filter((f) => only.length === 0 || only.some((w) => f.includes(w)))
  .sort();
let failed = 0;
for (const file of benches) {
  console.log(`\n## ${file.replace('.bench.mjs', '')}`);
  const r = spawnSync(process.execPath, [dir + file], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.log(`(${file} exited ${r.status})`);
  }
}
process.exitCode = failed ? 1 : 0;
