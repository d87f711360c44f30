import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * The at-rest envelope of ENCRYPTION.md, shared with the NoETL server: a fresh data key
 * (DEK) per record seals the compact JSON; the master key (KEK) wraps the DEK. Both with
 * AES-256-GCM, a 12-byte nonce in front, the 16-byte tag behind, no AAD.
 */
export interface MasterKey {
  /** Key provider; `local` for a master key held by this tool. */
  provider: string;
  /** Key id, e.g. `env:NOETL_ENCRYPTION_KEY`. */
  kid: string;
  /** Key version, e.g. `v1`. */
  kv: string;
  key: Buffer;
}

/** The key new records are sealed with, and every key records may still be sealed with. */
export interface KeySet {
  current: MasterKey;
  /** Older keys (after a rotation), tried when a record names one of them. */
  previous: MasterKey[];
  /**
   * Refuse legacy plaintext rows instead of reading them with a warning: anyone who can
   * write a table can plant one (strict mode, `--require-sealed`). The store checks it.
   */
  requireSealed?: boolean;
}

export interface Envelope {
  v: 1;
  alg: 'AES-256-GCM';
  ct: string;
  dek: { p: string; kid: string; kv: string; ct: string };
}

export const ENVELOPE_VERSION = 1;
export const ENVELOPE_ALG = 'AES-256-GCM';
const NONCE = 12;
const TAG = 16;

/** Why a stored value could not be opened; the caller names the record in its message. */
export class EnvelopeError extends Error {
  constructor(
    message: string,
    readonly reason: 'malformed' | 'unsupported' | 'no-key' | 'auth-failed',
  ) {
    super(message);
    this.name = 'EnvelopeError';
  }
}

/** Decodes a standard-base64 master key; anything but exactly 32 bytes is refused. */
export function decodeMasterKey(base64: string, source: string): Buffer {
  const text = base64.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || text.length % 4 !== 0) {
    throw new EnvelopeError(`${source} is not standard base64: expected 32 random bytes in base64 (e.g. \`openssl rand -base64 32\`)`, 'malformed');
  }
  const key = Buffer.from(text, 'base64');
  if (key.length !== 32) {
    throw new EnvelopeError(`${source} decodes to ${key.length} bytes, not 32: generate one with \`openssl rand -base64 32\``, 'malformed');
  }
  return key;
}

function gcmSeal(key: Buffer, plaintext: Buffer): Buffer {
  const nonce = randomBytes(NONCE);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([nonce, body, cipher.getAuthTag()]);
}

function gcmOpen(key: Buffer, sealed: Buffer): Buffer {
  if (sealed.length < NONCE + TAG) throw new EnvelopeError('ciphertext is too short', 'malformed');
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, NONCE));
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(NONCE, sealed.length - TAG)), decipher.final()]);
  } catch {
    throw new EnvelopeError('wrong master key or tampered data', 'auth-failed');
  }
}

/** Seals a JSON value into the stored string (the whole value of `data_encrypted`). */
export function seal(value: unknown, kek: MasterKey): string {
  const dek = randomBytes(32);
  try {
    const ct = gcmSeal(dek, Buffer.from(JSON.stringify(value), 'utf8'));
    const wrapped = gcmSeal(kek.key, dek);
    const envelope: Envelope = {
      v: ENVELOPE_VERSION,
      alg: ENVELOPE_ALG,
      ct: ct.toString('base64'),
      dek: { p: kek.provider, kid: kek.kid, kv: kek.kv, ct: wrapped.toString('base64') },
    };
    return JSON.stringify(envelope);
  } finally {
    dek.fill(0);
  }
}

/**
 * What a stored `data_encrypted` string is: an envelope, legacy plaintext JSON (NoETL's
 * Python server stored the object as is), or neither.
 */
export type StoredForm = { kind: 'envelope'; envelope: Envelope } | { kind: 'legacy'; value: unknown };

export function classifyStored(stored: string): StoredForm {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stored);
  } catch {
    throw new EnvelopeError('stored value is neither an envelope nor JSON', 'malformed');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new EnvelopeError('stored value is not a JSON object', 'malformed');
  }
  const o = parsed as Record<string, unknown>;
  const looksLikeEnvelope = 'v' in o && 'alg' in o && 'ct' in o && 'dek' in o;
  if (!looksLikeEnvelope) return { kind: 'legacy', value: parsed };
  if (o.v !== ENVELOPE_VERSION) throw new EnvelopeError(`envelope version ${JSON.stringify(o.v)} is not supported (expected 1)`, 'unsupported');
  if (o.alg !== ENVELOPE_ALG) throw new EnvelopeError(`envelope algorithm ${JSON.stringify(o.alg)} is not supported (expected AES-256-GCM)`, 'unsupported');
  const dek = o.dek as Record<string, unknown> | null;
  if (
    typeof o.ct !== 'string' ||
    !dek ||
    typeof dek !== 'object' ||
    typeof dek.ct !== 'string' ||
    typeof dek.p !== 'string' ||
    typeof dek.kid !== 'string' ||
    typeof dek.kv !== 'string'
  ) {
    throw new EnvelopeError('envelope is missing ct, dek.p, dek.kid, dek.kv or dek.ct', 'malformed');
  }
  return { kind: 'envelope', envelope: o as unknown as Envelope };
}

/** A value from a stored envelope, fit for a message: JSON-quoted (no control characters) and short. */
function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/**
 * The keys to try for an envelope: only keys of the provider its `p` names (a data key
 * wrapped by another provider, e.g. a cloud KMS, cannot be unwrapped with a local key);
 * the one whose id and version match first, then the rest.
 */
function candidateKeys(envelope: Envelope, keys: KeySet): MasterKey[] {
  const all = [keys.current, ...keys.previous].filter((k) => k.provider === envelope.dek.p);
  if (all.length === 0) {
    const held = [...new Set([keys.current, ...keys.previous].map((k) => k.provider))].join(', ');
    throw new EnvelopeError(`its data key is wrapped by key provider ${shown(envelope.dek.p)}, and only ${held} master keys are configured`, 'unsupported');
  }
  const matching = all.filter((k) => k.kid === envelope.dek.kid && k.kv === envelope.dek.kv);
  return [...matching, ...all.filter((k) => !matching.includes(k))];
}

function unwrapDek(envelope: Envelope, keys: KeySet): { dek: Buffer; kek: MasterKey } {
  const wrapped = Buffer.from(envelope.dek.ct, 'base64');
  for (const kek of candidateKeys(envelope, keys)) {
    try {
      const dek = gcmOpen(kek.key, wrapped);
      if (dek.length !== 32) throw new EnvelopeError('wrapped data key is not 32 bytes', 'malformed');
      return { dek, kek };
    } catch (err) {
      if ((err as EnvelopeError).reason !== 'auth-failed') throw err;
    }
  }
  throw new EnvelopeError('wrong master key or tampered data', 'auth-failed');
}

export interface Opened {
  value: unknown;
  /** True when the row was legacy plaintext (not sealed): warn, and let rotation seal it. */
  legacy: boolean;
}

/** Opens a stored string; throws EnvelopeError (never garbage) when it cannot. */
export function open(stored: string, keys: KeySet): Opened {
  const form = classifyStored(stored);
  if (form.kind === 'legacy') return { value: form.value, legacy: true };
  const { dek } = unwrapDek(form.envelope, keys);
  try {
    return { value: parseDecrypted(gcmOpen(dek, Buffer.from(form.envelope.ct, 'base64'))), legacy: false };
  } finally {
    dek.fill(0);
  }
}

/** The sealed JSON value; a parser's message would quote the decrypted text, so none is kept. */
function parseDecrypted(plaintext: Buffer): unknown {
  try {
    return JSON.parse(plaintext.toString('utf8'));
  } catch {
    throw new EnvelopeError('the decrypted data is not JSON', 'malformed');
  }
}

/**
 * Re-wraps a record's data key under `to` (rotation): `dek` changes, `ct` stays byte-identical.
 * Returns undefined when the record is already on `to` (same id and version). The record is
 * opened first: a tampered `ct` is refused (auth-failed), never re-wrapped as if it were sound.
 */
export function rewrap(stored: string, keys: KeySet, to: MasterKey): string | undefined {
  const form = classifyStored(stored);
  if (form.kind === 'legacy') return seal(form.value, to);
  const { envelope } = form;
  if (envelope.dek.kid === to.kid && envelope.dek.kv === to.kv && envelope.dek.p === to.provider) return undefined;
  const { dek } = unwrapDek(envelope, keys);
  try {
    gcmOpen(dek, Buffer.from(envelope.ct, 'base64')).fill(0);
    const wrapped = gcmSeal(to.key, dek);
    const next: Envelope = { ...envelope, dek: { p: to.provider, kid: to.kid, kv: to.kv, ct: wrapped.toString('base64') } };
    return JSON.stringify(next);
  } finally {
    dek.fill(0);
  }
}
