// The embedded database agent (issue 16), against `node -e ''` measured in the same run:
//   - a read command (`db status -o json`) with the agent warm, and in-process (NOETL_EMBEDDED_AGENT=off);
//   - the first command on a new data directory (the agent starts and initialises it);
//   - 8 processes × 25 writes at once (`vars set`): every write kept, none fails.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fmt, noetl, ratio, tempDir, timeCommand, timePaired } from './lib.mjs';

const PROCESSES = 8;
const WRITES = 25;
const EXEC = '507431238966182398';
const root = tempDir('noetl-bench-agent-');
const key = { NOETL_ENCRYPTION_KEY: randomBytes(32).toString('base64'), NOETL_AGENT_IDLE_TIMEOUT: '5m', NOETL_EMBEDDED_AGENT: 'on' };
const envFor = (dataDir, extra = {}) => ({ ...key, NOETL_DATA_DIR: dataDir, ...extra });
const stop = (dataDir) => spawnSync(process.execPath, [noetl, 'db', 'agent', 'stop'], { env: { ...process.env, ...envFor(dataDir) } });
const base = { cmd: process.execPath, args: ['-e', ''] };
const status = (env) => ({ cmd: process.execPath, args: [noetl, 'db', 'status', '-o', 'json'], env });

// The first command on a new data directory, with the agent and in process (what it was).
const firstAgent = timeCommand(process.execPath, [noetl, 'db', 'status', '-o', 'json'], envFor(join(root, 'first')));
const firstInProcess = timeCommand(process.execPath, [noetl, 'db', 'status', '-o', 'json'], envFor(join(root, 'first-off'), { NOETL_EMBEDDED_AGENT: 'off' }));
stop(join(root, 'first'));

// A read command, the agent warm (the first run above started it).
const warmDir = join(root, 'warm');
timeCommand(process.execPath, [noetl, 'db', 'status', '-o', 'json'], envFor(warmDir));
const warm = timePaired(status(envFor(warmDir)), base, 15);
const inProcess = timePaired(status(envFor(join(root, 'first-off'), { NOETL_EMBEDDED_AGENT: 'off' })), base, 5);

// 8 processes × 25 writes at once, each process a shell loop of `noetl vars set`.
const writeDir = join(root, 'writes');
timeCommand(process.execPath, [noetl, 'db', 'status', '-o', 'json'], envFor(writeDir));
const started = performance.now();
const failures = await Promise.all(
  Array.from({ length: PROCESSES }, (_, p) =>
    new Promise((resolve) => {
      const script = `f=0; i=0; while [ $i -lt ${WRITES} ]; do "${process.execPath}" "${noetl}" vars set ${EXEC} p${p}_w$i --value $i --raw -q || f=$((f+1)); i=$((i+1)); done; echo $f`;
      const child = spawn('sh', ['-c', script], { env: { ...process.env, ...envFor(writeDir) }, stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.on('close', () => resolve(Number(out.trim())));
    }),
  ),
);
const writeMs = performance.now() - started;
const shown = spawnSync(process.execPath, [noetl, 'vars', 'show', EXEC, '-o', 'json'], { env: { ...process.env, ...envFor(writeDir) }, encoding: 'utf8', maxBuffer: 1 << 26 });
const kept = JSON.parse(shown.stdout).length;
const failed = failures.reduce((a, b) => a + b, 0);
for (const dir of [warmDir, writeDir]) stop(dir);
rmSync(root, { recursive: true, force: true });

const total = PROCESSES * WRITES;
console.log(`baseline  node -e ''                                       ${fmt(warm.b)}`);
console.log(`db status -o json, agent warm                              ${fmt(warm.a)}  ${warm.ratio.toFixed(2)}×  (goal ≤ 2.0×)`);
console.log(`db status -o json, in process (NOETL_EMBEDDED_AGENT=off)   ${fmt(inProcess.a)}  ${inProcess.ratio.toFixed(2)}×  (what every command cost before the agent)`);
console.log(`first command on a new data directory, agent               ${fmt(firstAgent)}  ${ratio(firstAgent, warm.b)}  (goal ≤ 4 s)`);
console.log(`first command on a new data directory, in process          ${fmt(firstInProcess)}  ${ratio(firstInProcess, warm.b)}`);
console.log(`${PROCESSES} processes × ${WRITES} writes at once                          ${kept}/${total} kept, ${failed} failed, ${fmt(writeMs)}  (goal ${total}/${total} kept, 0 failed)`);
if (kept !== total || failed !== 0) process.exitCode = 1;
