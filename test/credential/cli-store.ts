import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src/backends/sql/connect.js';
import { masterKey } from '../../src/backends/sql/keys.js';
import { resolveConnection } from '../../src/cli/config.js';
import type { Store } from '../../src/backends/sql/store.js';

/** The CLI's database, opened from the test (after the CLI has exited: the embedded one is locked while in use). */
export async function withCliStore<T>(env: NodeJS.ProcessEnv, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(resolveConnection({}, env, {}), { schemaCheck: 'none' });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** A fresh master key to rotate onto, written to a mode-0600 file for --new-key-file. */
export function newKeyFile(): { bytes: Buffer; key: ReturnType<typeof masterKey>; path: string } {
  const bytes = randomBytes(32);
  const path = join(mkdtempSync(join(tmpdir(), 'noetl-new-key-')), 'new.key');
  writeFileSync(path, bytes.toString('base64'), { mode: 0o600 });
  return { bytes, key: masterKey(bytes, 'file:key-file'), path };
}
