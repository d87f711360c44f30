/**
 * Secrets kept per context name (the token of a `noetl context add --server` context, a session
 * token of `noetl auth login`): in the OS keyring (service "noetl", account `<kind>:<context>`),
 * or, where no keyring service runs, in a mode-0600 file $XDG_CONFIG_HOME/noetl/secrets/<kind>/<context>
 * (directories 0700). Never in config.yaml. Reading looks at the file first: it costs no keyring
 * round trip, and a file exists only where the keyring did not work.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { NoetlError, invalidError } from '../core/errors.js';
import { configDir } from './dirs.js';
import { readInputFile } from './input-file.js';
import { KEYRING_SERVICE, keyringDelete, keyringDisabled, keyringGet, keyringSet } from './keyring.js';
import { writePrivateFile } from './private-file.js';

/** What a secret is for: a service token given to `context add`, or a session token from a login. */
export type SecretKind = 'token' | 'session';

/** A context name: it names a file and a keyring account, so letters, digits, `.`, `_` and `-` only. */
export const CONTEXT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** A token is one line of at most this many bytes. */
const MAX_SECRET_BYTES = 16 * 1024;

export interface StoredSecret {
  value: string;
  /** Where it is kept: `OS keyring noetl/token:prod` or the file's path (never the value). */
  location: string;
}

export interface SetSecretOptions {
  kind?: SecretKind;
  /** Told once, when the secret goes to a file because no keyring service answered. */
  warn?(message: string): void;
}

/** The invalid error for a name that cannot be a context's (what `context add` says). */
export function checkContextName(name: string): void {
  if (!CONTEXT_NAME.test(name)) {
    throw invalidError(`context name '${name}' is not valid: use up to 63 letters, digits, '.', '_' or '-', starting with a letter or digit`);
  }
}

export function secretFilePath(env: NodeJS.ProcessEnv, context: string, kind: SecretKind = 'token'): string {
  checkContextName(context);
  return join(configDir(env), 'secrets', kind, context);
}

function account(context: string, kind: SecretKind): string {
  return `${kind}:${context}`;
}

/** The secret kept for `context`, or undefined when there is none. */
export async function getSecret(env: NodeJS.ProcessEnv, context: string, kind: SecretKind = 'token'): Promise<StoredSecret | undefined> {
  const path = secretFilePath(env, context, kind);
  if (existsSync(path)) return { value: readInputFile(path, `the ${kind} file of context '${context}'`, MAX_SECRET_BYTES).trim(), location: path };
  const value = await keyringGet(env, account(context, kind));
  return value ? { value, location: `OS keyring ${KEYRING_SERVICE}/${account(context, kind)}` } : undefined;
}

/**
 * Keeps `value` for `context`, replacing what was kept: in the OS keyring when one works (and
 * then no file is left behind), else in a mode-0600 file (said once through `warn`). Returns where.
 */
export async function setSecret(env: NodeJS.ProcessEnv, context: string, value: string, options: SetSecretOptions = {}): Promise<string> {
  const kind = options.kind ?? 'token';
  const path = secretFilePath(env, context, kind);
  const secret = value.trim();
  if (secret === '' || /[\r\n]/.test(secret)) throw invalidError(`a ${kind} is one non-empty line: check what was given for context '${context}'`);
  if (await keyringSet(env, account(context, kind), secret)) {
    rmSync(path, { force: true });
    return `OS keyring ${KEYRING_SERVICE}/${account(context, kind)}`;
  }
  try {
    writePrivateFile(path, `${secret}\n`);
  } catch (err) {
    throw new NoetlError('unavailable', `cannot write the ${kind} of context '${context}' to ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const why = keyringDisabled(env) ? 'the OS keyring is off (NOETL_KEYRING)' : 'no OS keyring service found';
  options.warn?.(`${why}: the ${kind} of context '${context}' is stored in ${path} (mode 0600)`);
  return path;
}

/** Forgets the secret kept for `context` (file and keyring); true when there was one. */
export async function deleteSecret(env: NodeJS.ProcessEnv, context: string, kind: SecretKind = 'token'): Promise<boolean> {
  const path = secretFilePath(env, context, kind);
  const hadFile = existsSync(path);
  rmSync(path, { force: true });
  const hadEntry = await keyringDelete(env, account(context, kind));
  return hadFile || hadEntry;
}
