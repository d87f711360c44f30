/**
 * Secret-manager providers behind one interface (keychain kinds `secret_manager` and
 * `secrets`). A provider that is not configured or cannot be reached fails the entry with a
 * clear message: never a silent empty value. Messages name hosts, statuses and secret paths,
 * never secret values or credentials.
 */
import type { SecretProviderName } from '../../core/keychain-kinds/index.js';

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
  /** The secret's value as text. Throws ProviderError. */
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

export class ProviderError extends Error {
  constructor(
    readonly provider: ProviderName,
    message: string,
  ) {
    super(`${provider}: ${message}`);
    this.name = 'ProviderError';
  }
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

/** fetch with a timeout; failures become ProviderErrors naming the host, never the request's secrets. */
export async function providerFetch(provider: ProviderName, url: URL, init: RequestInit, timeoutMs: number): Promise<{ status: number; body: string }> {
  const where = `${url.origin}${url.pathname}`;
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    return { status: response.status, body: await response.text() };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    if (e.name === 'TimeoutError' || e.name === 'AbortError') throw new ProviderError(provider, `no response from ${where} within ${timeoutMs / 1000}s`);
    throw new ProviderError(provider, `cannot reach ${where} (${e.cause?.code ?? e.cause?.message ?? e.message})`);
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

export function httpFailure(provider: ProviderName, status: number, body: string, what: string): ProviderError {
  const code = errorStatus(body);
  return new ProviderError(provider, `HTTP ${status}${code ? ` ${code}` : ''} for ${what}`);
}
