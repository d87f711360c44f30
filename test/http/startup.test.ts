/**
 * The remote backend's start-up budget: `noetl credential ls` over HTTP must cost about what
 * `node -e ''` does, so the module graph of src/backends/http may hold no database driver
 * (pg, PGlite), no server framework, and no global fetch (undici costs ~40 ms of CPU).
 */
import { buildSync } from 'esbuild';
import { describe, expect, it } from 'vitest';

describe('remote backend start-up', () => {
  it('loads no database driver, no server framework and no fetch', () => {
    const result = buildSync({ entryPoints: ['src/backends/http/index.ts'], bundle: true, platform: 'node', format: 'esm', write: false, metafile: true, outfile: 'http.js' });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((i) => i.includes('node_modules'))).toEqual([]);
    expect(inputs.filter((i) => /src\/(backends\/(sql|local)|server\/(app|routes))/.test(i))).toEqual([]);
    expect(result.outputFiles[0]!.text).not.toMatch(/\bfetch\(/);
  });
});
