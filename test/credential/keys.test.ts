import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generatedKeyPath, keyFingerprint, loadKeys, loadKeysWithSource } from '../../src/backends/sql/keys.js';

function sandbox(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const home = mkdtempSync(join(tmpdir(), 'noetl-keys-'));
  return { HOME: home, XDG_CONFIG_HOME: join(home, '.config'), NOETL_KEYRING: 'off', ...extra };
}

async function failure(promise: Promise<unknown>): Promise<{ message: string; code: string; hint?: unknown }> {
  try {
    await promise;
  } catch (err) {
    return err as { message: string; code: string; hint?: unknown };
  }
  throw new Error('expected a failure');
}

describe('master key sourcing', () => {
  it('takes NOETL_ENCRYPTION_KEY (the NoETL server variable), versioned by fingerprint', async () => {
    const key = randomBytes(32);
    const keys = await loadKeys({ env: sandbox({ NOETL_ENCRYPTION_KEY: key.toString('base64') }), backend: 'postgres', purpose: 'write', warn: () => undefined });
    expect(keys.current.key.equals(key)).toBe(true);
    expect(keys.current.kid).toBe('env:NOETL_ENCRYPTION_KEY');
    expect(keys.current.provider).toBe('local');
    expect(keys.current.kv).toBe(keyFingerprint(key));
    expect(keys.current.kv).toMatch(/^[0-9a-f]{12}$/);
  });

  it.each([
    ['not base64', 'not base64!!', /NOETL_ENCRYPTION_KEY is not standard base64/],
    ['16 bytes', randomBytes(16).toString('base64'), /NOETL_ENCRYPTION_KEY decodes to 16 bytes, not 32/],
  ])('refuses a key that is %s with exit 2, never echoing it', async (_what, value, pattern) => {
    const err = await failure(loadKeys({ env: sandbox({ NOETL_ENCRYPTION_KEY: value }), backend: 'embedded', purpose: 'read', warn: () => undefined }));
    expect(err.code).toBe('invalid');
    expect(err.message).toMatch(pattern);
    expect(err.message).not.toContain(value);
  });

  it('prefers --key-file, and warns when the file is readable by others', async () => {
    const env = sandbox({ NOETL_ENCRYPTION_KEY: randomBytes(32).toString('base64') });
    const file = join(env.HOME!, 'k');
    const key = randomBytes(32);
    writeFileSync(file, key.toString('base64') + '\n');
    chmodSync(file, 0o644);
    const warnings: string[] = [];
    const keys = await loadKeys({ env, keyFile: file, backend: 'postgres', purpose: 'write', warn: (m) => warnings.push(m) });
    expect(keys.current.key.equals(key)).toBe(true);
    expect(warnings).toEqual([`key file ${file} can be read by other users: run \`chmod 600 ${file}\``]);
  });

  it('takes NOETL_ENCRYPTION_KEY_FILE, and says when it is missing', async () => {
    const env = sandbox();
    const file = join(env.HOME!, 'k');
    writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600 });
    const keys = await loadKeys({ env: { ...env, NOETL_ENCRYPTION_KEY_FILE: file }, backend: 'postgres', purpose: 'read', warn: () => undefined });
    expect(keys.current.kid).toBe('file:key-file');
    const err = await failure(loadKeys({ env: { ...env, NOETL_ENCRYPTION_KEY_FILE: file + '.nope' }, backend: 'postgres', purpose: 'read', warn: () => undefined }));
    expect(err.code).toBe('invalid');
    expect(err.message).toMatch(/does not exist/);
  });

  it('refuses to write to PostgreSQL with no key configured, saying how to set one', async () => {
    const env = sandbox();
    const err = await failure(loadKeys({ env, backend: 'postgres', purpose: 'write', warn: () => undefined }));
    expect(err.code).toBe('invalid');
    expect(err.message).toMatch(/^no master key configured for PostgreSQL, refusing to store secrets \(nothing was written\): set NOETL_ENCRYPTION_KEY/);
    expect(() => statSync(generatedKeyPath(env))).toThrow();
  });

  it('tells a PostgreSQL reader with no key to give the key the records were sealed with, not to make a random one', async () => {
    const err = await failure(loadKeys({ env: sandbox(), backend: 'postgres', purpose: 'read', warn: () => undefined }));
    expect(err.code).toBe('invalid');
    expect(err.message).toBe(
      "no master key configured for PostgreSQL, cannot decrypt stored secrets: give the key the records were sealed with (the NoETL server's NOETL_ENCRYPTION_KEY) in NOETL_ENCRYPTION_KEY or a key file",
    );
    expect(err.hint).toEqual({ option: 'key-file', text: 'FILE or NOETL_ENCRYPTION_KEY_FILE' });
  });

  it('generates the embedded default key once, into a mode-0600 file when no keyring runs, saying where', async () => {
    const env = sandbox();
    const warnings: string[] = [];
    const first = await loadKeysWithSource({ env, backend: 'embedded', purpose: 'write', warn: (m) => warnings.push(m) });
    const path = generatedKeyPath(env);
    expect(first.source).toEqual({ kind: 'generated-file', location: path });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(Buffer.from(readFileSync(path, 'utf8').trim(), 'base64').equals(first.keys.current.key)).toBe(true);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(path);
    const again = await loadKeys({ env, backend: 'embedded', purpose: 'read', warn: (m) => warnings.push(m) });
    expect(again.current.key.equals(first.keys.current.key)).toBe(true);
    expect(warnings).toHaveLength(1);
  });

  it('does not generate a key just to read', async () => {
    const env = sandbox();
    const err = await failure(loadKeys({ env, backend: 'embedded', purpose: 'read', warn: () => undefined }));
    expect(err.code).toBe('invalid');
    expect(() => statSync(generatedKeyPath(env))).toThrow();
  });

  it('adds NOETL_ENCRYPTION_KEY_PREVIOUS keys to read with', async () => {
    const old = randomBytes(32);
    const keys = await loadKeys({
      env: sandbox({ NOETL_ENCRYPTION_KEY: randomBytes(32).toString('base64'), NOETL_ENCRYPTION_KEY_PREVIOUS: old.toString('base64') }),
      backend: 'postgres',
      purpose: 'read',
      warn: () => undefined,
    });
    expect(keys.previous.map((k) => k.kv)).toEqual([keyFingerprint(old)]);
  });
});
