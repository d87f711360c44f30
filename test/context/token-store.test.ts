// src/io/token-store.ts, the per-context secret store `context add` and `auth login` use: with
// the OS keyring off, a mode-0600 file in 0700 directories; one kind never reads another's.
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deleteSecret, getSecret, secretFilePath, setSecret } from '../../src/io/token-store.js';

function env(): NodeJS.ProcessEnv {
  const home = mkdtempSync(join(tmpdir(), 'noetl-token-store-'));
  return { HOME: home, XDG_CONFIG_HOME: join(home, '.config'), NOETL_KEYRING: 'off' };
}

describe('token store', () => {
  it('sets, gets and deletes a secret per context and kind, in a 0600 file said once', async () => {
    const e = env();
    const warnings: string[] = [];
    const where = await setSecret(e, 'prod', ' tok-1\n', { warn: (m) => warnings.push(m) });
    expect(where).toBe(secretFilePath(e, 'prod'));
    expect(warnings).toEqual([`the OS keyring is off (NOETL_KEYRING): the token of context 'prod' is stored in ${where} (mode 0600)`]);
    expect(statSync(where).mode & 0o777).toBe(0o600);
    expect(statSync(join(e.XDG_CONFIG_HOME!, 'noetl', 'secrets', 'token')).mode & 0o777).toBe(0o700);
    expect(await getSecret(e, 'prod')).toEqual({ value: 'tok-1', location: where });
    expect(await getSecret(e, 'prod', 'session')).toBeUndefined();

    await setSecret(e, 'prod', 'session-1', { kind: 'session' });
    await setSecret(e, 'prod', 'tok-2');
    expect((await getSecret(e, 'prod'))?.value).toBe('tok-2');
    expect((await getSecret(e, 'prod', 'session'))?.value).toBe('session-1');

    expect(await deleteSecret(e, 'prod')).toBe(true);
    expect(await deleteSecret(e, 'prod')).toBe(false);
    expect(await getSecret(e, 'prod')).toBeUndefined();
    expect((await getSecret(e, 'prod', 'session'))?.value).toBe('session-1');
  });

  it('refuses a name that is not a context name and a value that is not one line', async () => {
    const e = env();
    await expect(setSecret(e, '../evil', 'x')).rejects.toMatchObject({ code: 'invalid' });
    await expect(getSecret(e, 'a/b')).rejects.toMatchObject({ code: 'invalid' });
    await expect(setSecret(e, 'ok', 'two\nlines')).rejects.toMatchObject({ code: 'invalid', message: "a token is one non-empty line: check what was given for context 'ok'" });
    await expect(setSecret(e, 'ok', '  ')).rejects.toMatchObject({ code: 'invalid' });
  });
});
