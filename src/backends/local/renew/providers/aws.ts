import { createHash, createHmac } from 'node:crypto';
import { field, httpFailure, jsonAnswer, providerError, providerFetch, type SecretProvider, type SecretRequest } from './types.js';

/**
 * AWS Secrets Manager GetSecretValue, signed with Signature Version 4. Auth: a credential
 * with access_key_id, secret_access_key (session_token optional) and region; a secret ARN
 * names its own region.
 */
export function awsProvider(baseUrl?: string, now: () => Date = () => new Date()): SecretProvider {
  return {
    name: 'aws',
    async fetchSecret({ path, auth, timeoutMs }: SecretRequest): Promise<string> {
      const accessKey = field(auth, 'access_key_id', 'aws_access_key_id');
      const secretKey = field(auth, 'secret_access_key', 'aws_secret_access_key');
      const region = /^arn:aws[\w-]*:secretsmanager:([a-z0-9-]+):/.exec(path)?.[1] ?? field(auth, 'region', 'aws_region');
      if (!accessKey || !secretKey || !region) {
        throw providerError('aws', 'not configured: give the entry `auth:` naming a credential with access_key_id, secret_access_key and region');
      }
      const url = new URL(baseUrl ?? `https://secretsmanager.${region}.amazonaws.com/`);
      const body = JSON.stringify({ SecretId: path });
      const headers: Record<string, string> = {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'secretsmanager.GetSecretValue',
        host: url.host,
      };
      const token = field(auth, 'session_token', 'aws_session_token');
      if (token) headers['x-amz-security-token'] = token;
      sign(headers, { method: 'POST', url, body, region, service: 'secretsmanager', accessKey, secretKey, at: now() });
      const { status, body: answer } = await providerFetch('aws', url, { method: 'POST', headers, body, allowInsecureHttp: baseUrl !== undefined }, timeoutMs);
      if (status !== 200) throw httpFailure('aws', status, answer, path);
      const parsed = jsonAnswer('aws', answer, path);
      if (typeof parsed.SecretString === 'string') return parsed.SecretString;
      if (typeof parsed.SecretBinary === 'string') return Buffer.from(parsed.SecretBinary, 'base64').toString('utf8');
      throw providerError('aws', `the answer for ${path} has no SecretString`);
    },
  };
}

const sha256 = (data: string) => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();

/** Adds x-amz-date and the SigV4 Authorization header to `headers` (lower-case names). */
export function sign(
  headers: Record<string, string>,
  r: { method: string; url: URL; body: string; region: string; service: string; accessKey: string; secretKey: string; at: Date },
): void {
  const amzDate = r.at.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  headers['x-amz-date'] = amzDate;
  const names = Object.keys(headers).map((h) => h.toLowerCase()).sort();
  const canonicalHeaders = names.map((h) => `${h}:${headers[h].trim()}\n`).join('');
  const signedHeaders = names.join(';');
  const query = [...r.url.searchParams.entries()]
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .sort()
    .join('&');
  const canonicalRequest = [r.method, r.url.pathname || '/', query, canonicalHeaders, signedHeaders, sha256(r.body)].join('\n');
  const scope = `${day}/${r.region}/${r.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonicalRequest)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${r.secretKey}`, day), r.region), r.service), 'aws4_request');
  const signature = createHmac('sha256', key).update(stringToSign).digest('hex');
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${r.accessKey}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
}
