/**
 * What a secret looks like, by its field's name or its own shape: pure tests with no crypto, so
 * `noetl lint` (which only classifies) does not load node:crypto (~30 ms a run); masking
 * (src/core/mask.ts) uses them too.
 */

const SECRET_KEY = /(pass(word)?|secret|token|api[_-]?key|private[_-]?key|credential|auth|bearer|session|cookie|signature|hmac)/i;

/** Whether a field name suggests a secret value (password, client_secret, access_token, …). */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** The first line of a PEM private key. */
export const PRIVATE_KEY_PEM = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;

/** Whether a string looks like secret material by its shape alone (a JWT, a PEM private key). */
export function looksLikeSecretValue(value: string): boolean {
  return /^eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/.test(value) || PRIVATE_KEY_PEM.test(value);
}
