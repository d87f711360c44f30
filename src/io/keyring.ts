/**
 * The OS keyring (service "noetl"), through the optional @napi-rs/keyring binding: the master key
 * (src/backends/sql/keys.ts) and the tokens of contexts (src/io/token-store.ts) are kept there.
 * Every call gives up after a few seconds and treats any failure as "no keyring": a machine
 * without a keyring service (CI, containers, SSH sessions) falls back to files.
 * NOETL_KEYRING=off skips it altogether.
 */

export const KEYRING_SERVICE = 'noetl';
const KEYRING_TIMEOUT_MS = 3000;

type KeyringEntry = {
  getPassword(signal?: AbortSignal): Promise<string | null>;
  setPassword(password: string, signal?: AbortSignal): Promise<void>;
  deletePassword(signal?: AbortSignal): Promise<boolean>;
};
type KeyringModule = { AsyncEntry: new (service: string, account: string, options?: { linux?: { store?: string } }) => KeyringEntry };

/** NOETL_KEYRING=off (or 0, false, no): never touch the OS keyring. */
export function keyringDisabled(env: NodeJS.ProcessEnv): boolean {
  return /^(off|0|false|no)$/i.test(env.NOETL_KEYRING ?? '');
}

/** The entry of `account`, or undefined when the binding is not installed or the keyring is disabled. */
async function keyringEntry(env: NodeJS.ProcessEnv, account: string): Promise<KeyringEntry | undefined> {
  if (keyringDisabled(env)) return undefined;
  let mod: KeyringModule;
  try {
    mod = (await import('@napi-rs/keyring')) as unknown as KeyringModule;
  } catch {
    return undefined;
  }
  // On Linux, pin the Secret Service: the kernel keyring fallback forgets keys at logout.
  return new mod.AsyncEntry(KEYRING_SERVICE, account, { linux: { store: 'secret-service' } });
}

async function withTimeout<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T | undefined> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), KEYRING_TIMEOUT_MS);
  try {
    return await Promise.race([
      work(controller.signal),
      new Promise<undefined>((done) => controller.signal.addEventListener('abort', () => done(undefined))),
    ]);
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

/** The value kept for `account`, or undefined (none, or no working keyring). */
export async function keyringGet(env: NodeJS.ProcessEnv, account: string): Promise<string | undefined> {
  try {
    const entry = await keyringEntry(env, account);
    if (!entry) return undefined;
    return (await withTimeout((signal) => entry.getPassword(signal))) ?? undefined;
  } catch {
    return undefined;
  }
}

/** Stores a value and reads it back; false when there is no working keyring. */
export async function keyringSet(env: NodeJS.ProcessEnv, account: string, value: string): Promise<boolean> {
  try {
    const entry = await keyringEntry(env, account);
    if (!entry) return false;
    const ok = await withTimeout(async (signal) => {
      await entry.setPassword(value, signal);
      return (await entry.getPassword(signal)) === value;
    });
    return ok === true;
  } catch {
    return false;
  }
}

/** Removes the value of `account`; true when one was removed, false when there was none (or no working keyring). */
export async function keyringDelete(env: NodeJS.ProcessEnv, account: string): Promise<boolean> {
  try {
    const entry = await keyringEntry(env, account);
    if (!entry) return false;
    return (await withTimeout((signal) => entry.deletePassword(signal))) === true;
  } catch {
    return false;
  }
}
