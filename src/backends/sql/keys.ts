/**
 * Where the master key (KEK) comes from, in this order:
 *   1. --key-file FILE
 *   2. NOETL_ENCRYPTION_KEY (base64; the variable the NoETL server reads)
 *   3. NOETL_ENCRYPTION_KEY_FILE, then `key_file` of config.yaml (`configKeyFile`: the CLI reads the file)
 *   4. the OS keyring, service "noetl", account "master-key" (set by the operator)
 *   5. embedded database only: the generated default key, kept in the OS keyring (account
 *      "embedded-default") or, where no keyring service runs, in a mode-0600 file
 *      $XDG_CONFIG_HOME/noetl/master.key; generated on the first write.
 * PostgreSQL never gets a generated key: a database other machines read needs a key they
 * share, so with none configured the command refuses and says how to set one.
 * Given the store, the key is checked against the records already sealed: no key is generated
 * while sealed records exist (their key was lost or moved: say which and where it was
 * expected), and a write with a key that opens none of them is refused unless allowNewKey.
 * NOETL_ENCRYPTION_KEY_PREVIOUS (comma-separated base64) adds older keys to read with.
 * NOETL_KEYRING=off skips the OS keyring (CI, containers).
 *
 * Key ids: `kid` names where the key came from; `kv` is a fingerprint of the key bytes
 * (first 12 hex digits of SHA-256), so a record's envelope says which key wraps it however
 * the key was supplied, and rotation can tell which rows are already on the new key.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { writePrivateFile } from '../../io/private-file.js';
import { join, resolve } from 'node:path';
import { NoetlError, type ErrorHint } from '../../core/errors.js';
import { decodeMasterKey, EnvelopeError, type KeySet, type MasterKey } from '../../core/envelope.js';
import { readInputFile } from '../../io/input-file.js';
import { configDir } from '../../io/dirs.js';
import { KEYRING_SERVICE, keyringDisabled, keyringGet, keyringSet } from '../../io/keyring.js';
import { checkSealedKeys, type SealedKeyGroup } from './sealed-keys.js';
import type { Backend, Queryable } from './store.js';

export interface LoadKeysOptions {
  env: NodeJS.ProcessEnv;
  /** The --key-file flag. */
  keyFile?: string;
  /** key_file of the configuration file (the caller reads it), after NOETL_ENCRYPTION_KEY_FILE. */
  configKeyFile?: string;
  backend: Backend;
  /** 'write' may generate the embedded default key; 'read' never does. */
  purpose: 'read' | 'write';
  /** Warnings and the one-time "generated a key, stored in …" notice (stderr). */
  warn(message: string): void;
  /** The database the keys are for: with it, the key is checked against its sealed records. */
  store?: Queryable;
  /** --allow-new-key: a write may use a key that opens none of the sealed records (with a warning). */
  allowNewKey?: boolean;
}

export type KeySourceKind = 'key-file' | 'env' | 'keyring' | 'generated-keyring' | 'generated-file';

export interface KeySource {
  kind: KeySourceKind;
  /** Human-readable place: a file path, an environment variable, a keyring entry. */
  location: string;
}

export interface LoadedKeys {
  keys: KeySet;
  source: KeySource;
}

export const KEYRING_ACCOUNT = 'master-key';
export const KEYRING_GENERATED_ACCOUNT = 'embedded-default';

const HOW_TO_SET =
  'set NOETL_ENCRYPTION_KEY to the base64 of 32 random bytes (e.g. `export NOETL_ENCRYPTION_KEY=$(openssl rand -base64 32)`, the same key as the NoETL server), or give a key file';
/** For a read, or records already sealed: a new random key would open nothing. */
const HOW_TO_GIVE = 'give the key the records were sealed with (the NoETL server\'s NOETL_ENCRYPTION_KEY) in NOETL_ENCRYPTION_KEY or a key file';
/** Ends the messages above: the key file option (the CLI renders `use --key-file FILE or …`). */
const KEY_FILE_HINT: ErrorHint = { option: 'key-file', text: 'FILE or NOETL_ENCRYPTION_KEY_FILE' };

/** No master key is configured (and none may be generated): `invalid`, with how to set one. */
function noMasterKey(message: string): NoetlError {
  return new NoetlError('invalid', message, { reason: 'no-master-key', hint: KEY_FILE_HINT });
}

/** The master keys for this command: the current one and any previous ones to read with. */
export async function loadKeys(options: LoadKeysOptions): Promise<KeySet> {
  return (await loadKeysWithSource(options)).keys;
}

/** loadKeys, also saying where the current key came from (rotation updates a generated key in place). */
export async function loadKeysWithSource(options: LoadKeysOptions): Promise<LoadedKeys> {
  const { env } = options;
  const previous = previousKeys(env);
  const found = (await configuredKey(options)) ?? (options.backend === 'embedded' ? await readGeneratedKey(env) : undefined);
  if (found) {
    const loaded = { keys: { current: found.key, previous: previous.filter((k) => k.kv !== found.key.kv) }, source: found.source };
    if (options.purpose === 'write' && options.store) await refuseKeyThatOpensNothing(options.store, loaded, options);
    return loaded;
  }
  // No key: what the database already holds decides the advice, and whether one may be generated.
  const sealed = options.store ? (await checkSealedKeys(options.store)).groups : [];
  if (sealed.length > 0) {
    throw noMasterKey(
      `no master key found, but ${count(sealed)} sealed record(s) in this database need one: ${describeGroups(sealed, env)}; no new key was generated and nothing was written; restore it there, or give it in NOETL_ENCRYPTION_KEY or a key file`,
    );
  }
  if (options.backend === 'postgres') {
    if (options.purpose === 'read') throw noMasterKey(`no master key configured for PostgreSQL, cannot decrypt stored secrets: ${HOW_TO_GIVE}`);
    throw noMasterKey(`no master key configured for PostgreSQL, refusing to store secrets (nothing was written): ${HOW_TO_SET}`);
  }
  if (options.purpose === 'read') {
    throw noMasterKey(`no master key configured and none generated yet (nothing sealed is stored): ${HOW_TO_SET}`);
  }
  const generated = await generateKey(env, options.warn);
  return { keys: { current: generated.key, previous: previous.filter((k) => k.kv !== generated.key.kv) }, source: generated.source };
}

/** A write with a key that opens none of the sealed records would leave two sets no one key reads. */
async function refuseKeyThatOpensNothing(store: Queryable, loaded: LoadedKeys, options: LoadKeysOptions): Promise<void> {
  const { groups, opened } = await checkSealedKeys(store, loaded.keys);
  if (opened || groups.length === 0) return;
  const what = `the master key from ${loaded.source.location} (version ${loaded.keys.current.kv}) opens none of the ${count(groups)} sealed record(s) in this database, which need ${describeGroups(groups, options.env)}`;
  if (options.allowNewKey) {
    options.warn(`${what}; writing with it anyway, as allowed: those records stay unreadable with this key`);
    return;
  }
  throw new NoetlError('invalid', `${what}; nothing was written; give that key instead, or write with this one anyway`, { hint: { option: 'allow-new-key' } });
}

function count(groups: SealedKeyGroup[]): number {
  return groups.reduce((n, g) => n + g.records, 0);
}

/** `key generated:noetl version 1a2b… (3 record(s), e.g. credential 'pg') expected in …`, for a few groups. */
function describeGroups(groups: SealedKeyGroup[], env: NodeJS.ProcessEnv): string {
  const shown = groups.slice(0, 3).map((g) => `key ${g.kid} version ${g.kv} (${g.records} record(s), e.g. ${g.example}) expected in ${expectedPlace(g.kid, env)}`);
  if (groups.length > shown.length) shown.push(`and ${groups.length - shown.length} more key(s)`);
  return shown.join('; ');
}

/** Where a key with this id is looked for (the id names its source when this tool sealed the record). */
function expectedPlace(kid: string, env: NodeJS.ProcessEnv): string {
  switch (kid) {
    case 'generated:noetl':
      return keyringDisabled(env) ? generatedKeyPath(env) : `${generatedKeyPath(env)} or the OS keyring ${KEYRING_SERVICE}/${KEYRING_GENERATED_ACCOUNT}`;
    case 'env:NOETL_ENCRYPTION_KEY':
      return 'NOETL_ENCRYPTION_KEY';
    case 'file:key-file':
      return 'a key file (the key file option, NOETL_ENCRYPTION_KEY_FILE or key_file in config.yaml)';
    case 'keyring:noetl':
      return `the OS keyring ${KEYRING_SERVICE}/${KEYRING_ACCOUNT}`;
    default:
      return 'the key store of whoever sealed them (e.g. the NoETL server\'s NOETL_ENCRYPTION_KEY)';
  }
}

/** A master key from its 32 bytes, labelled by source, versioned by fingerprint. */
export function masterKey(key: Buffer, kid: string): MasterKey {
  return { provider: 'local', kid, kv: keyFingerprint(key), key };
}

/** The first 12 hex digits of SHA-256 of the key: names the key without revealing it. */
export function keyFingerprint(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 12);
}

/** A key file holds 44 characters of base64; anything near this size is not a key file (checked while reading). */
const MAX_KEY_FILE_BYTES = 4 * 1024;

/** Reads a base64 master key from a file; warns when others may read the file. */
export function readKeyFile(path: string, label: string, warn: (message: string) => void): Buffer {
  const file = resolve(path);
  if (!existsSync(file)) throw new NoetlError('invalid', `key file ${file} (${label}) does not exist: give the path of a file holding a base64 master key`);
  const stat = statSync(file);
  if (!stat.isFile()) throw new NoetlError('invalid', `key file ${file} (${label}) is not a file`);
  if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) warn(`key file ${file} can be read by other users: run \`chmod 600 ${file}\``);
  return decodeKey(readInputFile(file, `key file ${file} (${label})`, MAX_KEY_FILE_BYTES), `key file ${file}`);
}

/** Writes a base64 key to a new mode-0600 file (refuses to overwrite). */
export function writeKeyFile(path: string, key: Buffer): void {
  writeFileSync(path, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600);
}

export function generatedKeyPath(env: NodeJS.ProcessEnv): string {
  return join(configDir(env), 'master.key');
}

function decodeKey(text: string, source: string): Buffer {
  try {
    return decodeMasterKey(text, source);
  } catch (err) {
    if (err instanceof EnvelopeError) throw new NoetlError('invalid', err.message);
    throw err;
  }
}

function previousKeys(env: NodeJS.ProcessEnv): MasterKey[] {
  const list = env.NOETL_ENCRYPTION_KEY_PREVIOUS;
  if (!list) return [];
  return list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((text, i) => masterKey(decodeKey(text, `NOETL_ENCRYPTION_KEY_PREVIOUS (entry ${i + 1})`), 'env:NOETL_ENCRYPTION_KEY_PREVIOUS'));
}

async function configuredKey(options: LoadKeysOptions): Promise<{ key: MasterKey; source: KeySource } | undefined> {
  const { env, warn } = options;
  if (options.keyFile) {
    return { key: masterKey(readKeyFile(options.keyFile, 'given as an option', warn), 'file:key-file'), source: { kind: 'key-file', location: resolve(options.keyFile) } };
  }
  if (env.NOETL_ENCRYPTION_KEY) {
    return {
      key: masterKey(decodeKey(env.NOETL_ENCRYPTION_KEY, 'NOETL_ENCRYPTION_KEY'), 'env:NOETL_ENCRYPTION_KEY'),
      source: { kind: 'env', location: 'NOETL_ENCRYPTION_KEY' },
    };
  }
  const file = env.NOETL_ENCRYPTION_KEY_FILE || options.configKeyFile;
  if (file) {
    const label = env.NOETL_ENCRYPTION_KEY_FILE ? 'NOETL_ENCRYPTION_KEY_FILE' : 'key_file in the config file';
    return { key: masterKey(readKeyFile(file, label, warn), 'file:key-file'), source: { kind: 'key-file', location: resolve(file) } };
  }
  return keyringKey(env, KEYRING_ACCOUNT, 'keyring:noetl', 'keyring');
}

async function readGeneratedKey(env: NodeJS.ProcessEnv): Promise<{ key: MasterKey; source: KeySource } | undefined> {
  const path = generatedKeyPath(env);
  if (existsSync(path)) {
    return { key: masterKey(readKeyFile(path, 'generated default key', () => undefined), 'generated:noetl'), source: { kind: 'generated-file', location: path } };
  }
  return keyringKey(env, KEYRING_GENERATED_ACCOUNT, 'generated:noetl', 'generated-keyring');
}

/** The master key kept in an OS keyring entry, if there is one. */
async function keyringKey(env: NodeJS.ProcessEnv, account: string, kid: string, kind: KeySourceKind): Promise<{ key: MasterKey; source: KeySource } | undefined> {
  const stored = await keyringGet(env, account);
  if (!stored) return undefined;
  return {
    key: masterKey(decodeKey(stored, `OS keyring entry ${KEYRING_SERVICE}/${account}`), kid),
    source: { kind, location: `OS keyring ${KEYRING_SERVICE}/${account}` },
  };
}

/** Generates the embedded default key: into the OS keyring when one runs, else a mode-0600 file. */
async function generateKey(env: NodeJS.ProcessEnv, warn: (message: string) => void): Promise<{ key: MasterKey; source: KeySource }> {
  const bytes = randomBytes(32);
  const key = masterKey(bytes, 'generated:noetl');
  if (await keyringSet(env, KEYRING_GENERATED_ACCOUNT, bytes.toString('base64'))) {
    const location = `OS keyring ${KEYRING_SERVICE}/${KEYRING_GENERATED_ACCOUNT}`;
    warn(`generated a master key for the embedded database and stored it in the ${location}; without it the stored secrets cannot be decrypted`);
    return { key, source: { kind: 'generated-keyring', location } };
  }
  const path = generatedKeyPath(env);
  mkdirSync(configDir(env), { recursive: true, mode: 0o700 });
  try {
    writeKeyFile(path, bytes);
  } catch (err) {
    // Another process generated it first: use that one.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return (await readGeneratedKey(env))!;
    throw new NoetlError('unavailable', `cannot write the generated master key to ${path}: ${(err as Error).message}; ${HOW_TO_SET}`, { hint: KEY_FILE_HINT });
  }
  warn(`generated a master key for the embedded database and stored it in ${path} (mode 0600; no OS keyring service found); back it up: without it the stored secrets cannot be decrypted`);
  return { key, source: { kind: 'generated-file', location: path } };
}

/** Replaces the generated default key after a rotation, where it is kept. */
export async function replaceGeneratedKey(env: NodeJS.ProcessEnv, source: KeySource, key: Buffer): Promise<void> {
  if (source.kind === 'generated-keyring') {
    if (!(await keyringSet(env, KEYRING_GENERATED_ACCOUNT, key.toString('base64')))) {
      throw new NoetlError('unavailable', `cannot update the ${source.location}; keep the new key file and give it from now on`, { hint: { option: 'key-file' } });
    }
    return;
  }
  if (source.kind === 'generated-file') writePrivateFile(source.location, key.toString('base64') + '\n');
}
