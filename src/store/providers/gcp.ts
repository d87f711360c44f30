import { createSign } from 'node:crypto';
import { field, httpFailure, ProviderError, providerFetch, type SecretProvider, type SecretRequest } from './types.js';

const DEFAULT_BASE = 'https://secretmanager.googleapis.com';
const SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

/**
 * Google Cloud Secret Manager: `projects/P/secrets/S[/versions/V]` read with
 * `…:access`. Auth: a credential holding an `access_token`, or a service-account key
 * (client_email, private_key, token_uri), exchanged for a token (JWT bearer grant).
 */
export function gcpProvider(baseUrl = DEFAULT_BASE): SecretProvider {
  return {
    name: 'gcp',
    async fetchSecret({ path, auth, timeoutMs }: SecretRequest): Promise<string> {
      if (!/^projects\/[^/]+\/secrets\/[^/]+(\/versions\/[^/]+)?$/.test(path)) {
        throw new ProviderError('gcp', `'${path}' is not a secret path (projects/PROJECT/secrets/NAME[/versions/VERSION])`);
      }
      const version = path.includes('/versions/') ? path : `${path}/versions/latest`;
      const token = await accessToken(auth, timeoutMs);
      const url = new URL(`${baseUrl.replace(/\/$/, '')}/v1/${version}:access`);
      const { status, body } = await providerFetch('gcp', url, { headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' } }, timeoutMs);
      if (status !== 200) throw httpFailure('gcp', status, body, version);
      let data: unknown;
      try {
        data = (JSON.parse(body) as { payload?: { data?: unknown } }).payload?.data;
      } catch {
        /* reported below */
      }
      if (typeof data !== 'string') throw new ProviderError('gcp', `the answer for ${version} has no payload.data`);
      return Buffer.from(data, 'base64').toString('utf8');
    },
  };
}

async function accessToken(auth: Record<string, unknown> | undefined, timeoutMs: number): Promise<string> {
  const direct = field(auth, 'access_token', 'token');
  if (direct) return direct;
  const email = field(auth, 'client_email');
  const key = field(auth, 'private_key');
  if (!email || !key) {
    throw new ProviderError(
      'gcp',
      'not configured: give the entry `auth:` naming a credential with an access_token, or a service-account key (client_email, private_key)',
    );
  }
  const tokenUri = field(auth, 'token_uri') ?? 'https://oauth2.googleapis.com/token';
  const now = Math.floor(Date.now() / 1000);
  const encode = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const unsigned = `${encode({ alg: 'RS256', typ: 'JWT' })}.${encode({ iss: email, scope: SCOPE, aud: tokenUri, iat: now, exp: now + 3600 })}`;
  let signature: string;
  try {
    signature = createSign('RSA-SHA256').update(unsigned).sign(key, 'base64url');
  } catch {
    throw new ProviderError('gcp', `the service-account private_key of ${email} is not a usable RSA key`);
  }
  const url = new URL(tokenUri);
  const { status, body } = await providerFetch(
    'gcp',
    url,
    {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: `${unsigned}.${signature}` }).toString(),
    },
    timeoutMs,
  );
  if (status !== 200) throw httpFailure('gcp', status, body, `the token of ${email}`);
  const token = (JSON.parse(body) as { access_token?: unknown }).access_token;
  if (typeof token !== 'string') throw new ProviderError('gcp', `the token endpoint gave no access_token for ${email}`);
  return token;
}
