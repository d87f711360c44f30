// `noetl status` on this run's database (embedded or PostgreSQL), through the built CLI in
// process: which backend, where it was chosen, reachable, schema version, master key source.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadMigrations } from '../../src/backends/sql/migrate.js';
import { testBackend } from '../helpers/backend.js';
import { runCli, testCliEnv } from '../helpers/cli.js';

/** A HOME of its own, no NOETL_* or PG* variable, no master key, the OS keyring off. */
function homeEnv(): NodeJS.ProcessEnv {
  const dir = mkdtempSync(join(tmpdir(), 'noetl-status-home-'));
  return { PATH: process.env.PATH, HOME: dir, XDG_CONFIG_HOME: join(dir, '.config'), XDG_DATA_HOME: join(dir, '.local', 'share'), NO_COLOR: '1', NOETL_KEYRING: 'off' };
}

const LATEST = Math.max(...loadMigrations().map((m) => m.version));

describe('noetl status on a database', () => {
  it('reports the backend, its source, the schema version and where the master key comes from', async () => {
    const env = { ...(await testCliEnv()), NOETL_KEYRING: 'off' };
    const r = await runCli(['status', '-o', 'json'], { env });
    expect(r.code, r.stderr).toBe(0);
    const status = JSON.parse(r.stdout);
    expect(status).toMatchObject({
      backend: testBackend(),
      from: 'env',
      source: testBackend() === 'embedded' ? 'NOETL_DATA_DIR' : 'NOETL_DATABASE_URL',
      context: null,
      current_context: null,
      reachable: true,
      error: null,
      schema_version: LATEST,
      pending_migrations: 0,
      key_source: 'NOETL_ENCRYPTION_KEY',
      key_error: null,
      token_source: null,
      authenticated: null,
      // In process (as the suite runs): no agent; an embedded database says so, PostgreSQL has none.
      agent: testBackend() === 'embedded' ? expect.objectContaining({ running: false, pid: null }) : null,
    });
    expect(status.server_version === null).toBe(testBackend() === 'embedded');
    const table = await runCli(['status'], { env });
    expect(table.stdout).toContain(`reachable\tyes\nschema version\t${LATEST}\n`);
    expect(table.stdout).toContain('master key\tNOETL_ENCRYPTION_KEY\n');
  });

  it('a context chooses the database; an embedded one not created yet is not created by status', async () => {
    const env = homeEnv();
    const dataDir = join(mkdtempSync(join(tmpdir(), 'noetl-status-')), 'db');
    await runCli(['context', 'add', 'scratch', '--data-dir', dataDir, '--use'], { env });
    const r = await runCli(['status', '-o', 'json'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ backend: 'embedded', from: 'context', source: 'context scratch', context: 'scratch', location: dataDir, reachable: true, schema_version: null, key_source: null });
    expect(JSON.parse(r.stdout).key_error).toMatch(/^no master key configured and none generated yet/);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('exits 1 when the database does not answer', async () => {
    const env = homeEnv();
    const r = await runCli(['--database-url', 'postgres://postgres@127.0.0.1:1/nowhere', 'status', '-o', 'json'], { env });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ backend: 'postgres', from: 'flag', source: '--database-url', reachable: false, error: expect.stringMatching(/^cannot reach PostgreSQL at 127\.0\.0\.1:1/) });
  });
});
