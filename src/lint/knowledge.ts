/**
 * What the linter knows about NoETL playbooks (seeds 000/001/003/004 and the upstream
 * corpus): which keys hold secrets rather than references to them, and what secrets and
 * secret-manager paths look like. What the runtime puts in the template context is
 * src/lint/dsl.ts's table; keychain kinds and their fields are the registry's
 * (src/core/keychain-kinds), which `keychain resolve` reads too.
 */
import { hasTemplate } from '../core/templates.js';
import { isSecretKey, looksLikeSecretValue } from '../core/secret-shapes.js';

/** Keys whose value names a credential, a path or a setting: never secret material themselves. */
const REFERENCE_KEY = /(^|_)(auth|credentials?|creds?|path|paths|name|names|field|url|uri|endpoint|type|ttl|expires_in|id|ref|bucket|table|mode|enabled|count|source|provider|file|env|var|variable|header|prefix|format|length|seconds|minutes|version|location|arn)$/i;

/** A key whose value is the secret itself (`password`, `client_secret`, `api_key`, `access_token`). */
export function isSecretMaterialKey(key: string): boolean {
  if (!isSecretKey(key) || REFERENCE_KEY.test(key)) return false;
  return /(pass(word)?|passwd|pwd|secret|token|api[_-]?key|private[_-]?key|access[_-]?key|signature|hmac|cookie)$/i.test(key);
}

/** Keys any literal value of which is a secret (a password can be short and plain). */
export const isPasswordKey = (key: string): boolean => isSecretMaterialKey(key) && /(pass(word)?|passwd|pwd|secret|private[_-]?key)$/i.test(key);

/**
 * Whether a literal for a token/key-like field has the shape of a real token: long, no spaces,
 * not a readable snake_case label such as `test_session_123`.
 */
export function looksLikeTokenValue(value: string): boolean {
  if (looksLikeSecretValue(value) || looksLikeApiKey(value)) return true;
  return value.length >= 16 && /^[A-Za-z0-9._~+/=:-]+$/.test(value) && /[0-9]/.test(value) && /[A-Za-z]/.test(value) && !/^[a-z]+([_.-][a-z0-9]+)+$/.test(value);
}

/** Whether a literal looks like a credential name (`pg_local`, `google-oauth`) rather than secret material. */
export function looksLikeReferenceName(value: string): boolean {
  return /^[A-Za-z][A-Za-z0-9_.:/-]{0,63}$/.test(value) && !looksLikeSecretValue(value) && !looksLikeApiKey(value);
}

/**
 * A path in a secret manager, not a secret: GCP (`projects/P/secrets/S[/versions/V]`), AWS
 * (`arn:aws:secretsmanager:…`), Azure Key Vault (`https://V.vault.azure.net/secrets/S`).
 */
export function isSecretManagerPath(value: string): boolean {
  const v = value.trim();
  return /^(gcp:\/\/)?projects\/[^/\s]+\/secrets\/[^/\s]+(\/versions\/[^/\s]+)?$/.test(v) || /^arn:aws[\w-]*:secretsmanager:[^\s]+$/.test(v) || /^https:\/\/[\w-]+\.vault\.azure\.net\/secrets\/[^\s]+$/.test(v);
}

/** A connection URL with a literal password in it (`postgresql://user:pw@host/db`). */
export function hasUrlPassword(value: string): boolean {
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^/:@\s]*:([^@\s]+)@/i.exec(value.trim());
  return m !== null && !hasTemplate(m[1]) && !/^\$\{?[A-Za-z_]/.test(m[1]) && m[1] !== '*'.repeat(m[1].length);
}

/** Shapes of well-known API keys (by their vendor's prefix), a JWT or a PEM private key: a secret whatever field holds it. */
export function looksLikeKnownKeyFormat(value: string): boolean {
  return looksLikeSecretValue(value) || vendorKeyFormat(value);
}

function vendorKeyFormat(value: string): boolean {
  if (/^(sk|pk|rk)[-_](live|test|proj)?[-_]?[A-Za-z0-9]{16,}$/.test(value) || /^sk-(proj|ant|svcacct)-[A-Za-z0-9_-]{20,}$/.test(value)) return true;
  if (/^(ghp|gho|ghu|ghs|github_pat)_[A-Za-z0-9_]{20,}$/.test(value)) return true;
  if (/^xox[abprs]-[A-Za-z0-9-]{10,}$/.test(value)) return true;
  if (/^AKIA[0-9A-Z]{16}$/.test(value)) return true;
  return /^AIza[0-9A-Za-z_-]{35}$/.test(value);
}

/** Shapes of well-known API keys and long random strings. */
export function looksLikeApiKey(value: string): boolean {
  if (vendorKeyFormat(value)) return true;
  // A long token of mixed case and digits with no separators is a key, not a name.
  return value.length >= 32 && /^[A-Za-z0-9+/=_-]+$/.test(value) && /[a-z]/.test(value) && /[A-Z]/.test(value) && /[0-9]/.test(value) && !/[_-]{1}[a-z]+[_-]/.test(value);
}

/** A value that names something instead of holding it: a template, an env/secret reference, or empty. */
export function isIndirectValue(value: string): boolean {
  const v = value.trim();
  return v === '' || hasTemplate(v) || /^\$\{?[A-Za-z_]/.test(v) || /^(secret|env|vault|gcp|aws|k8s):\/?\/?/i.test(v);
}

/** `lowercase_with_underscores`, the seeds' convention for variables and auth references. */
export const SNAKE_CASE = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;

export function toSnakeCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toLowerCase();
}
