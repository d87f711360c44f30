/**
 * Secret-manager providers behind one interface (keychain kinds `secret_manager` and
 * `secrets`). A provider that is not configured or cannot be reached fails the entry with a
 * clear message: never a silent empty value. Messages name hosts, statuses and secret paths,
 * never secret values or credentials.
 */
import { describeEndpoint, MAX_REQUEST_TIMEOUT_SECONDS } from '../../../../core/endpoint.js';
import { hasReason, NoetlError } from '../../../../core/errors.js';
import { guardedFetch, HTTP_GUARD } from '../http.js';
import type { SecretProviderName } from '../../../../core/keychain-kinds/index.js';

/** The providers the kind registry lists (SECRET_PROVIDERS, kind secret_manager); each has a client here. */
export type ProviderName = SecretProviderName;

export interface SecretRequest {
  /** The secret's path as the playbook gives it (e.g. projects/123/secrets/x/versions/latest). */
  path: string;
  /** The data of the entry's `auth` credential, when it has one. */
  auth?: Record<string, unknown>;
  timeoutMs: number;
}

export interface SecretProvider {
  readonly name: ProviderName;
  /** The secret's value as text. Throws a providerError. */
  fetchSecret(request: SecretRequest): Promise<string>;
}

export interface IdTokenRequest {
  /** A service-account key (client_email, private_key, token_uri). */
  serviceAccount: Record<string, unknown>;
  /** The target_audience: the URL of the service the token is for. */
  audience: string;
  timeoutMs: number;
}

export interface IdTokenResult {
  idToken: string;
  /** The token's lifetime, from its claims. */
  ttlSeconds?: number;
}

/** A provider that failed: `gcp: HTTP 403 PERMISSION_DENIED for …` (`unavailable`, reason `provider`). Never a secret. */
export function providerError(provider: ProviderName, message: string): NoetlError {
  return new NoetlError('unavailable', `${provider}: ${message}`, { reason: 'provider' });
}

/** Where each provider's API is; overridable for a private endpoint or an emulator. */
export interface ProviderEndpoints {
  gcpSecretManager?: string;
  /** Replaces a service-account key's token_uri (access tokens and ID tokens). */
  gcpToken?: string;
  awsSecretsManager?: string;
  azureLogin?: string;
}

export function providerEndpoints(env: NodeJS.ProcessEnv): ProviderEndpoints {
  return {
    gcpSecretManager: env.NOETL_GCP_SECRET_MANAGER_URL || undefined,
    gcpToken: env.NOETL_GCP_TOKEN_URL || undefined,
    awsSecretsManager: env.NOETL_AWS_SECRETS_MANAGER_URL || undefined,
    azureLogin: env.NOETL_AZURE_LOGIN_URL || undefined,
  };
}

/** A string field of credential data under any of its usual names. */
export function field(data: Record<string, unknown> | undefined, ...names: string[]): string | undefined {
  if (!data) return undefined;
  for (const name of names) {
    const v = data[name];
    if (typeof v === 'string' && v !== '') return v;
  }
  return undefined;
}

export interface ProviderRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Plain http:// beyond loopback is allowed: the URL is an operator's override (an emulator, a private endpoint). */
  allowInsecureHttp?: boolean;
}

/**
 * A request to a provider with a timeout, redirects followed within the origin only, plain
 * http:// refused beyond loopback, and the answer read up to MAX_RESPONSE_BYTES. Failures
 * become providerErrors naming the host, never the request's secrets.
 */
export async function providerFetch(provider: ProviderName, url: URL, init: ProviderRequest, timeoutMs: number): Promise<{ status: number; body: string }> {
  const where = describeEndpoint(url);
  if (!(timeoutMs > 0 && timeoutMs <= MAX_REQUEST_TIMEOUT_SECONDS * 1000)) {
    throw providerError(provider, `the timeout must be more than 0 and at most ${MAX_REQUEST_TIMEOUT_SECONDS} s`);
  }
  try {
    const response = await guardedFetch(url, {
      method: init.method ?? 'GET',
      headers: init.headers ?? {},
      body: init.body,
      signal: AbortSignal.timeout(timeoutMs),
      allowInsecureHttp: init.allowInsecureHttp,
    });
    return { status: response.status, body: response.body };
  } catch (err) {
    if (hasReason(err, HTTP_GUARD)) throw providerError(provider, err.message);
    const e = err as Error & { cause?: { code?: string; message?: string } };
    if (e.name === 'TimeoutError' || e.name === 'AbortError') throw providerError(provider, `no response from ${where} within ${timeoutMs / 1000}s`);
    throw providerError(provider, `cannot reach ${where} (${e.cause?.code ?? e.cause?.message ?? e.message})`);
  }
}

/** A short status word from an API error body (`PERMISSION_DENIED`, `ResourceNotFoundException`), not free text. */
export function errorStatus(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as Record<string, unknown>;
    const error = parsed.error as Record<string, unknown> | string | undefined;
    const candidates = [
      typeof error === 'object' && error ? error.status : undefined,
      typeof error === 'object' && error ? error.code : undefined,
      typeof error === 'string' ? error : undefined,
      parsed.__type,
      parsed.code,
    ];
    for (const c of candidates) {
      if (typeof c === 'string' && /^[A-Za-z0-9_.#:-]{1,80}$/.test(c)) return c.split('#').pop();
    }
  } catch {
    /* not JSON */
  }
  return undefined;
}

/** An answer's JSON object; a parser's message would quote the answer (a secret), so none is kept. */
export function jsonAnswer(provider: ProviderName, body: string, what: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    /* reported below */
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw providerError(provider, `the answer for ${what} is not a JSON object`);
  return parsed as Record<string, unknown>;
}

export function httpFailure(provider: ProviderName, status: number, body: string, what: string): NoetlError {
  const code = errorStatus(body);
  return providerError(provider, `HTTP ${status}${code ? ` ${code}` : ''} for ${what}`);
}
