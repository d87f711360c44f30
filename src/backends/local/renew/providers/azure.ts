import { field, httpFailure, jsonAnswer, providerError, providerFetch, type SecretProvider, type SecretRequest } from './types.js';

const DEFAULT_LOGIN = 'https://login.microsoftonline.com';

/**
 * Azure Key Vault: a secret named by its URL (https://VAULT.vault.azure.net/secrets/NAME[/VERSION]).
 * Auth: a credential with an access_token, or a service principal (tenant_id, client_id,
 * client_secret) exchanged for a Key Vault token.
 */
export function azureProvider(loginBase = DEFAULT_LOGIN): SecretProvider {
  return {
    name: 'azure',
    async fetchSecret({ path, auth, timeoutMs }: SecretRequest): Promise<string> {
      let url: URL;
      try {
        url = new URL(path);
      } catch {
        throw providerError('azure', `'${path}' is not a Key Vault secret URL (https://VAULT.vault.azure.net/secrets/NAME[/VERSION])`);
      }
      if (!/^\/secrets\/[^/]+(\/[^/]+)?\/?$/.test(url.pathname)) {
        throw providerError('azure', `'${path}' is not a Key Vault secret URL (https://VAULT.vault.azure.net/secrets/NAME[/VERSION])`);
      }
      url.searchParams.set('api-version', '7.4');
      const token = await accessToken(auth, loginBase, timeoutMs);
      const { status, body } = await providerFetch('azure', url, { headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' } }, timeoutMs);
      if (status !== 200) throw httpFailure('azure', status, body, `${url.origin}${url.pathname}`);
      const value = jsonAnswer('azure', body, `${url.origin}${url.pathname}`).value;
      if (typeof value !== 'string') throw providerError('azure', `the answer for ${url.origin}${url.pathname} has no value`);
      return value;
    },
  };
}

async function accessToken(auth: Record<string, unknown> | undefined, loginBase: string, timeoutMs: number): Promise<string> {
  const direct = field(auth, 'access_token', 'token');
  if (direct) return direct;
  const tenant = field(auth, 'tenant_id', 'tenant');
  const clientId = field(auth, 'client_id');
  const clientSecret = field(auth, 'client_secret');
  if (!tenant || !clientId || !clientSecret) {
    throw providerError('azure', 'not configured: give the entry `auth:` naming a credential with tenant_id, client_id and client_secret (or an access_token)');
  }
  const url = new URL(`${loginBase.replace(/\/$/, '')}/${encodeURIComponent(tenant)}/oauth2/v2.0/token`);
  const { status, body } = await providerFetch(
    'azure',
    url,
    {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, scope: 'https://vault.azure.net/.default' }).toString(),
      // The operator's login override may be plain http (an emulator); the vault URL, from a playbook, may not.
      allowInsecureHttp: loginBase !== DEFAULT_LOGIN,
    },
    timeoutMs,
  );
  if (status !== 200) throw httpFailure('azure', status, body, `the token of client ${clientId}`);
  const token = jsonAnswer('azure', body, `the token of client ${clientId}`).access_token;
  if (typeof token !== 'string') throw providerError('azure', `the token endpoint gave no access_token for client ${clientId}`);
  return token;
}
