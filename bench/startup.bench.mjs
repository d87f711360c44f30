// Start-up: `noetl --version`, and a read command (`db status -o json`) on PostgreSQL and
// on the embedded backend, each against `node -e ''` measured in the same run.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { fmt, noetl, ratio, serverUrl, tempDir, timeInterleaved, uniqueName } from './lib.mjs';

const dataDir = join(tempDir('noetl-bench-'), 'db');
const schema = uniqueName('bench');
const embedded = { NOETL_DATA_DIR: dataDir };
const server = { NOETL_DATABASE_URL: serverUrl, NOETL_SCHEMA: schema };
for (const env of [embedded, server]) {
  const r = spawnSync(process.execPath, [noetl, 'db', 'migrate'], { env: { ...process.env, ...env }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
}

const [base, version, pgStatus, embeddedStatus] = timeInterleaved([
  { cmd: process.execPath, args: ['-e', ''] },
  { cmd: process.execPath, args: [noetl, '--version'] },
  { cmd: process.execPath, args: [noetl, 'db', 'status', '-o', 'json'], env: server },
  { cmd: process.execPath, args: [noetl, 'db', 'status', '-o', 'json'], env: embedded },
]);

const client = new pg.Client({ connectionString: serverUrl });
await client.connect();
await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
await client.end();

console.log(`baseline  node -e ''                          ${fmt(base)}`);
console.log(`noetl --version                               ${fmt(version)}  ${ratio(version, base)}  (target ≤ 1.3×)`);
console.log(`noetl db status -o json  (PostgreSQL)         ${fmt(pgStatus)}  ${ratio(pgStatus, base)}  (target ≤ 2.0×)`);
console.log(`noetl db status -o json  (embedded PGlite)    ${fmt(embeddedStatus)}  ${ratio(embeddedStatus, base)}  (target ≤ 5×)`);
