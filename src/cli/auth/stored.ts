/**
 * The login of a context (`noetl auth login`): the session token in the OS keyring or a 0600
 * file (src/io/token-store.ts, kind `session`), and beside it, in
 * $XDG_CONFIG_HOME/noetl/sessions/<context>.json (0600, no secret), which gateway it is for,
 * whose it is and until when.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseJson } from '../../core/json.js';
import { configDir } from '../../io/dirs.js';
import { readInputFile } from '../../io/input-file.js';
import { writePrivateFile } from '../../io/private-file.js';
import { checkContextName, deleteSecret, getSecret, setSecret } from '../../io/token-store.js';
import { loadConfigFile } from '../config.js';

/** What is kept of a login besides its token. */
export interface LoginInfo {
  gateway: string;
  email: string;
  roles: string[];
  expires_at: string;
}

export interface StoredLogin extends LoginInfo {
  token: string;
  /** Where the token is kept (the keyring account or the file's path). */
  location: string;
}

/** The context a login belongs to: --context, else current_context of config.yaml, else `default`. */
export function currentContext(env: NodeJS.ProcessEnv, flag?: string): string {
  return flag || loadConfigFile(env).current_context || 'default';
}

function infoPath(env: NodeJS.ProcessEnv, context: string): string {
  checkContextName(context);
  return join(configDir(env), 'sessions', `${context}.json`);
}

/** The login kept for `context`, or undefined when there is none (or only half of one). */
export async function loadLogin(env: NodeJS.ProcessEnv, context: string): Promise<StoredLogin | undefined> {
  const path = infoPath(env, context);
  if (!existsSync(path)) return undefined;
  const info = parseJson(readInputFile(path, `the login of context '${context}'`, 64 * 1024), path) as Partial<LoginInfo>;
  const secret = await getSecret(env, context, 'session');
  if (!secret || typeof info.gateway !== 'string') return undefined;
  return { gateway: info.gateway, email: String(info.email ?? ''), roles: Array.isArray(info.roles) ? info.roles.map(String) : [], expires_at: String(info.expires_at ?? ''), token: secret.value, location: secret.location };
}

/** Keeps a login for `context`, replacing the one kept; returns where the token went. */
export async function saveLogin(env: NodeJS.ProcessEnv, context: string, token: string, info: LoginInfo, warn: (message: string) => void): Promise<string> {
  const location = await setSecret(env, context, token, { kind: 'session', warn });
  writePrivateFile(infoPath(env, context), `${JSON.stringify(info, null, 2)}\n`);
  return location;
}

/** Forgets the login of `context`; true when there was one. */
export async function forgetLogin(env: NodeJS.ProcessEnv, context: string): Promise<boolean> {
  const path = infoPath(env, context);
  const hadInfo = existsSync(path);
  rmSync(path, { force: true });
  return (await deleteSecret(env, context, 'session')) || hadInfo;
}
