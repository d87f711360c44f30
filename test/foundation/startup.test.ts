import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freshDataDir } from '../helpers/backend.js';
import { DATABASE_MODULE, modulesLoadedBy, noetlBin, repoRoot } from '../helpers/cli.js';

/** A migrated data directory (a copy of the template: a fresh one would spend seconds in initdb). */
async function dataDirEnv(): Promise<NodeJS.ProcessEnv> {
  return { ...process.env, NOETL_DATA_DIR: await freshDataDir() };
}

async function modules(args: string[]): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'noetl-startup-'));
  return modulesLoadedBy(args, { cwd: dir, env: await dataDirEnv() }).modules;
}

describe('start-up loads only what a command uses', () => {
  it.each([[['--help']], [['--version']], [['completion', 'bash']], [['db', '--help']]])('noetl %j loads no database code', async (args) => {
    const loaded = await modules(args);
    expect(loaded.length).toBeGreaterThan(0);
    expect(loaded.filter((url) => DATABASE_MODULE.test(url))).toEqual([]);
  });

  it('a database command does load the driver (the check above can fail)', async () => {
    expect((await modules(['db', 'status', '-o', 'json'])).some((url) => DATABASE_MODULE.test(url))).toBe(true);
  });
});

/**
 * The two patches of dependency code in scripts/build.mjs, each kept for a measured start-up
 * cost (see there). The build fails when a patched text is gone; these fail when a patch
 * stops working (or is dropped): the built-in it keeps off the start-up path gets loaded.
 */
describe('the dependency patches of the build still keep their cost off start-up', () => {
  async function builtins(args: string[]): Promise<{ code: number | null; loaded: string[] }> {
    const dir = mkdtempSync(join(tmpdir(), 'noetl-startup-'));
    const out = join(dir, 'builtins.txt');
    const r = spawnSync(process.execPath, ['--import', join(repoRoot, 'test/foundation/fixtures/builtins-loaded.mjs'), noetlBin, ...args], {
      cwd: dir,
      env: { ...(await dataDirEnv()), NOETL_TRACE_BUILTINS: out },
      encoding: 'utf8',
    });
    return { code: r.status, loaded: readFileSync(out, 'utf8').split('\n') };
  }

  it('commander (lazy-child-process): a command line loads no child_process', async () => {
    const r = await builtins(['--help']);
    expect(r.code).toBe(0);
    expect(r.loaded).toContain('NativeModule fs');
    expect(r.loaded).not.toContain('NativeModule child_process');
  });

  it('pg (skip-cloudflare-probe): a database command loads no fetch implementation (undici)', async () => {
    const r = await builtins(['db', 'status', '-o', 'json']);
    expect(r.code).toBe(0);
    expect(r.loaded.filter((m) => /undici/.test(m))).toEqual([]);
  });
});
