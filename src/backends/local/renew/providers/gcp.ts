import { createSign } from 'node:crypto';
import { field, httpFailure, providerError, providerFetch, type IdTokenRequest, type IdTokenResult, type SecretProvider, type SecretRequest } from './types.js';

const DEFAULT_BASE = 'https://secretmanager.googleapis.com';
const SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
const DEFAULT_TOKEN_URI = 'https://oauth2.googleapis.com/token';

/** The GCP provider also mints Google ID tokens (keychain kind `google_id_token`). */
export interface GcpProvider extends SecretProvider {
  fetchIdToken(request: IdTokenRequest): Promise<IdTokenResult>;
}

/**
 * Google Cloud Secret Manager: `projects/P/secrets/S[/versions/V]` read with
 * `…:access`. Auth: a credential holding an `access_token`, or a service-account key
 * (client_email, private_key, token_uri), exchanged for a token (JWT bearer grant).
 * `tokenUrl`, when given, replaces the key's token_uri (a private endpoint or an emulator).
 * Only these operator overrides may be plain http:// beyond loopback.
 */
export function gcpProvider(baseUrl = DEFAULT_BASE, tokenUrl?: string): GcpProvider {
  return {
    name: 'gcp',
    async fetchIdToken({ serviceAccount, audience, timeoutMs }: IdTokenRequest): Promise<IdTokenResult> {
      const { email, body } = await jwtBearer(serviceAccount, { target_audience: audience }, timeoutMs, tokenUrl, 'a Google ID token');
      const idToken = body.id_token;
      if (typeof idToken !== 'string' || idToken === '') throw providerError('gcp', `the token endpoint gave no id_token for ${email}`);
      return { idToken, ttlSeconds: jwtLifetime(idToken) };
    },
    async fetchSecret({ path, auth, timeoutMs }: SecretRequest): Promise<string> {
      if (!/^projects\/[^/]+\/secrets\/[^/]+(\/versions\/[^/]+)?$/.test(path)) {
        throw providerError('gcp', `'${path}' is not a secret path (projects/PROJECT/secrets/NAME[/versions/VERSION])`);
      }
      const version = path.includes('/versions/') ? path : `${path}/versions/latest`;
      const token = await accessToken(auth, timeoutMs, tokenUrl);
      const url = new URL(`${baseUrl.replace(/\/$/, '')}/v1/${version}:access`);
      const request = { headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' }, allowInsecureHttp: baseUrl !== DEFAULT_BASE };
      const { status, body } = await providerFetch('gcp', url, request, timeoutMs);
      if (status !== 200) throw httpFailure('gcp', status, body, version);
      let data: unknown;
      try {
        data = (JSON.parse(body) as { payload?: { data?: unknown } }).payload?.data;
      } catch {
        /* reported below */
      }
      if (typeof data !== 'string') throw providerError('gcp', `the answer for ${version} has no payload.data`);
      return Buffer.from(data, 'base64').toString('utf8');
    },
  };
}

async function accessToken(auth: Record<string, unknown> | undefined, timeoutMs: number, tokenUrl: string | undefined): Promise<string> {
  const direct = field(auth, 'access_token', 'token');
  if (direct) return direct;
  if (!field(auth, 'client_email') || !field(auth, 'private_key')) {
    throw providerError(
      'gcp',
      'not configured: give the entry `auth:` naming a credential with an access_token, or a service-account key (client_email, private_key)',
    );
  }
  const { email, body } = await jwtBearer(auth!, { scope: SCOPE }, timeoutMs, tokenUrl, 'the token');
  const token = body.access_token;
  if (typeof token !== 'string') throw providerError('gcp', `the token endpoint gave no access_token for ${email}`);
  return token;
}

/**
 * The JWT bearer grant of a service-account key: a JWT signed with its private key, with
 * `claims` (scope, or target_audience for an ID token), posted to the token endpoint.
 */
async function jwtBearer(
  serviceAccount: Record<string, unknown>,
  claims: Record<string, string>,
  timeoutMs: number,
  tokenUrl: string | undefined,
  what: string,
): Promise<{ email: string; body: Record<string, unknown> }> {
  const email = field(serviceAccount, 'client_email');
  const key = field(serviceAccount, 'private_key');
  if (!email || !key) throw providerError('gcp', 'the service-account key has no client_email or private_key');
  const tokenUri = tokenUrl ?? field(serviceAccount, 'token_uri') ?? DEFAULT_TOKEN_URI;
  const now = Math.floor(Date.now() / 1000);
  const encode = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const unsigned = `${encode({ alg: 'RS256', typ: 'JWT' })}.${encode({ iss: email, aud: tokenUri, iat: now, exp: now + 3600, ...claims })}`;
  let signature: string;
  try {
    signature = createSign('RSA-SHA256').update(unsigned).sign(key, 'base64url');
  } catch {
    throw providerError('gcp', `the service-account private_key of ${email} is not a usable RSA key`);
  }
  const url = new URL(tokenUri);
  const { status, body } = await providerFetch(
    'gcp',
    url,
    {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: `${unsigned}.${signature}` }).toString(),
      // The operator's override may be plain http (an emulator); a key's own token_uri may not.
      allowInsecureHttp: tokenUrl !== undefined,
    },
    timeoutMs,
  );
  if (status !== 200) throw httpFailure('gcp', status, body, `${what} of ${email}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    /* reported below */
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw providerError('gcp', `the token endpoint's answer for ${email} is not a JSON object`);
  return { email, body: parsed as Record<string, unknown> };
}

/** A JWT's lifetime (exp − iat) in seconds, when its claims say; the token is not verified here. */
function jwtLifetime(jwt: string): number | undefined {
  try {
    const claims = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as { iat?: unknown; exp?: unknown };
    if (typeof claims.exp === 'number' && typeof claims.iat === 'number' && claims.exp > claims.iat) return claims.exp - claims.iat;
  } catch {
    /* not a JWT: no lifetime */
  }
  return undefined;
}
