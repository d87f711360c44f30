import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, testCliEnv } from '../helpers/cli.js';

describe('noetl catalog', () => {
  let env: NodeJS.ProcessEnv;
  let dir: string;
  beforeAll(async () => {
    env = await testCliEnv({ agent: true });
    dir = mkdtempSync(join(tmpdir(), 'noetl-catalog-'));
    writeFileSync(join(dir, 'pb.yaml'), 'apiVersion: noetl.io/v2\nkind: Playbook\nmetadata:\n  name: t\n  path: integrations/travel_booking\n');
    writeFileSync(join(dir, 'pb2.yaml'), 'apiVersion: noetl.io/v2\nkind: Playbook\nmetadata:\n  name: t2\n  path: integrations/travel_booking\n');
    writeFileSync(join(dir, 'token.json'), '{"access_token": "t-1"}');
    writeFileSync(join(dir, 'bad.yaml'), 'apiVersion: noetl.io/v2\nkind: Playbook\nmetadata:\n  name: t\n');
  });

  it('registers versions, lists and shows them with exact 64-bit ids; identical content is the same version', { timeout: 120_000 }, async () => {
    const first = await runCli(['catalog', 'register', join(dir, 'pb.yaml'), '-o', 'json'], { env });
    expect(first.code).toBe(0);
    const entry = JSON.parse(first.stdout);
    expect(entry).toMatchObject({ path: 'integrations/travel_booking', version: 1, kind: 'Playbook', unchanged: false });
    expect(entry.catalog_id).toMatch(/^[0-9]{16,19}$/);

    // Registering the same content again writes nothing and returns the existing version.
    const again = await runCli(['catalog', 'register', join(dir, 'pb.yaml')], { env });
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(`${entry.catalog_id}\n`);
    expect(again.stderr).toBe(`unchanged: integrations/travel_booking version 1 (catalog id ${entry.catalog_id}) already holds this content; no new version\n`);

    const second = await runCli(['catalog', 'register', join(dir, 'pb2.yaml')], { env });
    expect(second.code).toBe(0);
    const secondId = second.stdout.trim();
    expect(secondId).toMatch(/^[0-9]{16,19}$/);
    expect(second.stderr).toContain('version 2');

    const ls = await runCli(['catalog', 'ls'], { env });
    expect(ls.stdout.split('\n')).toEqual([
      'CATALOG ID\tPATH\tVERSION\tKIND\tREGISTERED',
      expect.stringMatching(new RegExp(`^${entry.catalog_id}\tintegrations/travel_booking\t1\tPlaybook\t`)),
      expect.stringMatching(new RegExp(`^${secondId}\tintegrations/travel_booking\t2\t`)),
      '',
    ]);

    const byId = await runCli(['catalog', 'show', entry.catalog_id, '-o', 'yaml'], { env });
    expect(byId.stdout).toContain(`catalog_id: "${entry.catalog_id}"`);
    const latest = await runCli(['catalog', 'show', 'integrations/travel_booking', '-o', 'json'], { env });
    expect(JSON.parse(latest.stdout).catalog_id).toBe(secondId);
    const content = await runCli(['catalog', 'show', 'integrations/travel_booking@1', '--content'], { env });
    expect(content.stdout).toContain('path: integrations/travel_booking');
  });

  it('a keychain entry not found under the latest version names the older version that has it', { timeout: 120_000 }, async () => {
    const own = await testCliEnv();
    const v1 = (await runCli(['catalog', 'register', join(dir, 'pb.yaml')], { env: own })).stdout.trim();
    expect((await runCli(['keychain', 'set', 'tok', '--playbook', 'integrations/travel_booking', '--data', `@${join(dir, 'token.json')}`], { env: own })).code).toBe(0);
    const v2 = (await runCli(['catalog', 'register', join(dir, 'pb2.yaml')], { env: own })).stdout.trim();
    expect(v2).not.toBe(v1);
    const get = await runCli(['keychain', 'get', 'tok', '--playbook', 'integrations/travel_booking'], { env: own });
    expect(get.code).toBe(3);
    expect(get.stderr).toBe(
      `error: KEYCHAIN: Entry 'tok' not found (cache key tok:${v2}:global); version 1 of integrations/travel_booking (catalog id ${v1}) has it (global): ` +
        'read it with --playbook integrations/travel_booking@1, or set it again for version 2\n',
    );
    expect((await runCli(['keychain', 'get', 'tok', '--playbook', 'integrations/travel_booking@1', '--field', 'access_token', '--reveal'], { env: own })).stdout).toBe('t-1');
  });

  it('exits 2 for a playbook without metadata.path and 3 for unknown ones', async () => {
    const bad = await runCli(['catalog', 'register', join(dir, 'bad.yaml')], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: .*has no metadata\.path/);
    const missing = await runCli(['catalog', 'register', join(dir, 'missing.yaml')], { env });
    expect(missing.code).toBe(3);
    const unknown = await runCli(['catalog', 'show', 'integrations/travel_bookin'], { env });
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toContain('did you mean integrations/travel_booking?');
  });
});
