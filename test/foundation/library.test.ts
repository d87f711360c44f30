import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { embeddedTemplate } from '../helpers/backend.js';
import { repoRoot } from '../helpers/cli.js';

const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
const librarySection = readme.slice(readme.indexOf('## Library'), readme.indexOf('\n## ', readme.indexOf('## Library') + 1));
const example = /```js\n([\s\S]*?)```/.exec(librarySection)?.[1];

/** A project folder that has the built package installed as `noetl` (a link to this checkout, as `npm link` makes). */
function projectWithNoetl(): string {
  const dir = mkdtempSync(join(tmpdir(), 'noetl-library-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(repoRoot, join(dir, 'node_modules', 'noetl'), 'dir');
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  return dir;
}

describe('the library (README "Library", run against the built package)', () => {
  it('the README example runs as written on the embedded backend', async () => {
    expect(example, 'README.md has a ```js block under ## Library').toBeDefined();
    const dir = projectWithNoetl();
    // The example's data directory, migrated already (initdb takes seconds; opening a copy does not).
    cpSync(await embeddedTemplate(), join(dir, 'noetl-data'), { recursive: true });
    writeFileSync(join(dir, 'example.js'), example!);
    const env = { PATH: process.env.PATH, HOME: dir, NOETL_ENCRYPTION_KEY: randomBytes(32).toString('base64') };
    const r = spawnSync(process.execPath, ['example.js'], { cwd: dir, env, encoding: 'utf8', timeout: 120_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    // Masked: no character of the token; revealed: the token as set.
    expect(r.stdout).toMatch(/^api_token \(bearer_token\): \*\*\*\*#[0-9a-f]+, revealed: eyJhbGciOiJIUzI1NiJ9\.e30\.sig\n$/);
  });

  it("exports createClient, NoetlError and the API's helpers, not the SQL layer (that is noetl/sql)", async () => {
    const lib = await import(pathToFileURL(join(repoRoot, 'dist', 'lib.js')).href);
    expect(typeof lib.createClient).toBe('function');
    expect(typeof lib.NoetlError).toBe('function');
    expect(lib.openStore).toBeUndefined();
    const sql = await import(pathToFileURL(join(repoRoot, 'dist', 'sql.js')).href);
    expect(typeof sql.openStore).toBe('function');
    expect(typeof sql.migrate).toBe('function');
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
    expect(Object.keys(pkg.exports)).toEqual(['.', './sql']);
  });

  it('createClient: a server URL gives the HTTP backend (no admin there); no backend named is invalid', async () => {
    const { createClient } = await import(pathToFileURL(join(repoRoot, 'dist', 'lib.js')).href);
    const remote = await createClient({ serverUrl: 'https://noetl.example', token: 't' });
    expect(remote.backend.kind).toBe('http');
    expect(remote.admin).toBeUndefined();
    await remote.close();
    await expect(createClient({})).rejects.toMatchObject({ code: 'invalid' });
    await expect(createClient({ databaseUrl: 'mysql://x@y/z' })).rejects.toMatchObject({ code: 'invalid' });
  });

  it('createClient({ dataDir, key, env }) opens the embedded database in that folder', async () => {
    const { createClient } = await import(pathToFileURL(join(repoRoot, 'dist', 'lib.js')).href);
    const dir = mkdtempSync(join(tmpdir(), 'noetl-library-'));
    cpSync(await embeddedTemplate(), join(dir, 'db'), { recursive: true });
    const client = await createClient({ dataDir: join(dir, 'db'), key: randomBytes(32), env: {} });
    try {
      expect(client.backend.kind).toBe('embedded');
      expect(client.backend.location).toContain(join(dir, 'db'));
    } finally {
      await client.close();
    }
  });
});
