import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/cli.js';

const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)![1].trim().split('\n');

describe('the README', () => {
  it('opens with the install-and-run command and the test command', () => {
    expect(firstBlock).toHaveLength(2);
    expect(firstBlock[0]).toMatch(/^npm ci && npm run build && \.\/bin\/noetl /);
    expect(firstBlock[1]).toBe('npm test');
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
    expect(pkg.scripts.test).toBe('node scripts/test.mjs');
    expect(readFileSync(join(repoRoot, '.ci', 'run'), 'utf8')).toContain('npm test');
  });

  it('its first command works on a new machine (embedded default, no key configured), and again when run a second time', () => {
    // Everything after the install and build, in a fresh HOME with nothing configured.
    const job = firstBlock[0].replace(/^npm ci && npm run build && /, '');
    const home = mkdtempSync(join(tmpdir(), 'noetl-readme-'));
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_DATA_HOME: join(home, '.local', 'share') };
    const r = spawnSync('bash', ['-c', job], { cwd: repoRoot, env, encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/pg_local\s+postgres/);
    expect(r.stderr).toMatch(/generated a master key/);
    expect(r.stdout + r.stderr).not.toContain('"demo"');
    expect(statSync(join(home, '.local', 'share', 'noetl', 'db', 'PG_VERSION')).isFile()).toBe(true);
    // A newcomer runs it again (a second terminal, a retry): same result, the same key, one credential.
    const again = spawnSync('bash', ['-c', job], { cwd: repoRoot, env, encoding: 'utf8', timeout: 120_000 });
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).not.toMatch(/generated a master key/);
    expect(again.stdout.match(/^pg_local\s+postgres/gm)).toHaveLength(1);
    // A first start (initdb) and the job run twice: minutes when the machine is busy.
  }, 240_000);
});
