/**
 * Masking for display: secrets are shown only with --reveal. A masked string keeps a short
 * prefix of long values (enough to tell two tokens apart) and says how long it was.
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

/** `eyJh…(812 chars)` for long values, `****` for short ones, so nothing guessable is shown. */
export function maskString(value: string): string {
  if (value.length >= 16) return `${value.slice(0, 4)}…(${value.length} chars)`;
  return '****';
}

/** Every leaf value of a JSON value masked, structure and numbers' shape kept. */
export function maskValue(value: unknown): unknown {
  if (value === null || value === undefined) return value;
  if (Array.isArray(value)) return value.map(maskValue);
  if (typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, maskValue(v)]));
  }
  return maskString(String(value));
}
