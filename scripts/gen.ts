// Writes the generated completions/ and man/ from the command tree (npm run gen).
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { completionScript, SHELLS } from '../src/cli/gen/completion.js';
import { manPages } from '../src/cli/gen/man.js';
import { buildProgram } from '../src/cli/program.js';
import { RunContext } from '../src/cli/run-context.js';

const root = new URL('..', import.meta.url).pathname;
const version = JSON.parse(readFileSync(`${root}package.json`, 'utf8')).version as string;
const quiet = { write: () => true };
const program = await buildProgram(new RunContext({ stdout: quiet, stderr: quiet, stdin: process.stdin, stdoutIsTTY: false, stderrIsTTY: false, stdinIsTTY: false, color: false, cwd: root }, {}));

mkdirSync(`${root}completions`, { recursive: true });
for (const shell of SHELLS) writeFileSync(`${root}completions/noetl.${shell}`, completionScript(shell, program));
mkdirSync(`${root}man`, { recursive: true });
for (const old of readdirSync(`${root}man`)) rmSync(`${root}man/${old}`);
for (const [name, text] of manPages(program, version)) writeFileSync(`${root}man/${name}`, text);
console.log('wrote completions/ and man/');
