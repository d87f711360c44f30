/**
 * Masking for display: secrets are shown only with --reveal. A masked value shows none of
 * its characters and not its length (DESIGN.md); a short keyed fingerprint tells two values
 * apart without helping anyone guess one.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { isSecretKey } from './secret-shapes.js';


const PUBLIC_FIELD = /(^|_)(host(name)?|port|user(name)?|name|database|dbname|account|warehouse|schema|region|project(_id)?|client_id|client_email|email|url|uri|endpoint|token_type|expires_in)$/i;

/**
 * Whether a field name says its value is not secret (db_host, port, username, client_id, …), so
 * a prompt may echo it. Anything else counts as secret: a hidden prompt for a host costs less
 * than a password echoed on screen.
 */
export function isPublicField(key: string): boolean {
  return PUBLIC_FIELD.test(key) && !isSecretKey(key);
}

/**
 * The fingerprint key when the caller has none: random for each process, so fingerprints
 * compare values within one output, and an unkeyed hash of a short password (guessable
 * offline) is never printed.
 */
const PROCESS_FINGERPRINT_KEY = randomBytes(32);

/** A fingerprint key derived from a master key: the same fingerprints from run to run, for whoever holds that key. */
export function fingerprintKeyFrom(masterKey: Uint8Array): Buffer {
  return createHmac('sha256', masterKey).update('noetl mask fingerprint v1').digest();
}

/** 8 hex digits of an HMAC-SHA256 of the value. */
export function fingerprint(value: string, key: Uint8Array = PROCESS_FINGERPRINT_KEY): string {
  return createHmac('sha256', key).update(value, 'utf8').digest('hex').slice(0, 8);
}

/** `****#1a2b3c4d`: no character and no length of the value; equal values get equal fingerprints under one key. */
export function maskString(value: string, key?: Uint8Array): string {
  return `****#${fingerprint(value, key)}`;
}

/** Every leaf value of a JSON value masked (numbers and booleans too); the structure kept. */
export function maskValue(value: unknown, key?: Uint8Array): unknown {
  if (value === null || value === undefined) return value;
  if (Array.isArray(value)) return value.map((v) => maskValue(v, key));
  if (typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, maskValue(v, key)]));
  }
  return maskString(String(value), key);
}
