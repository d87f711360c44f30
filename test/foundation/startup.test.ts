import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DATABASE_MODULE, modulesLoadedBy } from '../helpers/cli.js';

function modules(args: string[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'noetl-startup-'));
  return modulesLoadedBy(args, { cwd: dir, env: { ...process.env, NOETL_DATA_DIR: join(dir, 'db') } }).modules;
}

describe('start-up loads only what a command uses', () => {
  it.each([[['--help']], [['--version']], [['completion', 'bash']], [['db', '--help']]])('noetl %j loads no database code', (args) => {
    const loaded = modules(args);
    expect(loaded.length).toBeGreaterThan(0);
    expect(loaded.filter((url) => DATABASE_MODULE.test(url))).toEqual([]);
  });

  it('a database command does load the driver (the check above can fail)', () => {
    expect(modules(['db', 'status', '-o', 'json']).some((url) => DATABASE_MODULE.test(url))).toBe(true);
  });
});
