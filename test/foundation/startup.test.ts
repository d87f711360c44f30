import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { noetlBin, repoRoot } from '../helpers/cli.js';

/** The modules a run of `noetl ARGS` loads. */
function modulesLoadedBy(args: string[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'noetl-trace-'));
  const trace = join(dir, 'modules.txt');
  writeFileSync(trace, '');
  spawnSync(process.execPath, ['--import', join(repoRoot, 'test/foundation/fixtures/trace-imports.mjs'), noetlBin, ...args], {
    cwd: dir,
    env: { ...process.env, NOETL_TRACE_IMPORTS: trace, NOETL_DATA_DIR: join(dir, 'db') },
    encoding: 'utf8',
  });
  return readFileSync(trace, 'utf8').split('\n').filter(Boolean);
}

const databaseCode = /node_modules\/(pg|pg-[a-z-]+|@electric-sql\/pglite)\/|\/chunks\/(connect|esm)-/;

describe('start-up loads only what a command uses', () => {
  it.each([[['--help']], [['--version']], [['completion', 'bash']], [['db', '--help']]])('noetl %j loads no database code', (args) => {
    const loaded = modulesLoadedBy(args);
    expect(loaded.length).toBeGreaterThan(0);
    expect(loaded.filter((url) => databaseCode.test(url))).toEqual([]);
  });

  it('a database command does load the driver (the check above can fail)', () => {
    const loaded = modulesLoadedBy(['db', 'status', '-o', 'json']);
    expect(loaded.some((url) => databaseCode.test(url))).toBe(true);
  });
});
