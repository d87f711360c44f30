import { createVerify, generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { awsProvider, sign } from '../../src/backends/local/renew/providers/aws.js';
import { azureProvider } from '../../src/backends/local/renew/providers/azure.js';
import { gcpProvider } from '../../src/backends/local/renew/providers/gcp.js';

/** A server on 127.0.0.1 that answers with `handler` and records each request. */
async function serve(handler: (req: IncomingMessage, body: string, res: ServerResponse) => void) {
  const seen: { method?: string; url?: string; headers: IncomingMessage['headers']; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body });
      res.setHeader('Content-Type', 'application/json');
      handler(req, body, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('aws', () => {
  it('signs with SigV4 exactly as the AWS test suite (get-vanilla)', () => {
    const headers: Record<string, string> = { host: 'example.amazonaws.com' };
    sign(headers, {
      method: 'GET',
      url: new URL('https://example.amazonaws.com/'),
      body: '',
      region: 'us-east-1',
      service: 'service',
      accessKey: 'AKIDEXAMPLE',
      secretKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
      at: new Date('2015-08-30T12:36:00Z'),
    });
    expect(headers.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    );
    expect(headers['x-amz-date']).toBe('20150830T123600Z');
  });

  it('calls GetSecretValue signed, and names the error code on failure', async () => {
    const server = await serve((_req, body, res) => {
      const id = JSON.parse(body).SecretId;
      if (id === 'missing') res.writeHead(400).end(JSON.stringify({ __type: 'ResourceNotFoundException', message: 'nope' }));
      else res.writeHead(200).end(JSON.stringify({ SecretString: `value-of-${id}` }));
    });
    try {
      const provider = awsProvider(`${server.url}/`);
      const auth = { access_key_id: 'AKID', secret_access_key: 'SECRETKEY-DO-NOT-PRINT', region: 'eu-west-1' };
      expect(await provider.fetchSecret({ path: 'prod/api', auth, timeoutMs: 5000 })).toBe('value-of-prod/api');
      const request = server.seen[0];
      expect(request.headers['x-amz-target']).toBe('secretsmanager.GetSecretValue');
      expect(request.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKID\/\d{8}\/eu-west-1\/secretsmanager\/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=[0-9a-f]{64}$/);
      const failure = await provider.fetchSecret({ path: 'missing', auth, timeoutMs: 5000 }).catch((e: Error) => e);
      expect((failure as Error).message).toBe('aws: HTTP 400 ResourceNotFoundException for missing');
      expect((failure as Error).message).not.toContain('SECRETKEY');
    } finally {
      await server.stop();
    }
  });
});

describe('azure', () => {
  it('exchanges a service principal for a Key Vault token and reads the secret', async () => {
    const login = await serve((_req, body, res) => {
      const form = new URLSearchParams(body);
      if (form.get('client_secret') !== 'sp-secret') res.writeHead(401).end(JSON.stringify({ error: 'invalid_client' }));
      else res.writeHead(200).end(JSON.stringify({ access_token: 'kv-token', expires_in: 3600 }));
    });
    const vault = await serve((req, _body, res) => {
      if (req.headers.authorization !== 'Bearer kv-token') res.writeHead(401).end(JSON.stringify({ error: { code: 'Unauthorized' } }));
      else res.writeHead(200).end(JSON.stringify({ value: 'vault-value', id: req.url }));
    });
    try {
      const provider = azureProvider(login.url);
      const auth = { tenant_id: 't-1', client_id: 'c-1', client_secret: 'sp-secret' };
      expect(await provider.fetchSecret({ path: `${vault.url}/secrets/db-password`, auth, timeoutMs: 5000 })).toBe('vault-value');
      expect(login.seen[0].url).toBe('/t-1/oauth2/v2.0/token');
      expect(new URLSearchParams(login.seen[0].body).get('scope')).toBe('https://vault.azure.net/.default');
      expect(vault.seen[0].url).toBe('/secrets/db-password?api-version=7.4');
      await expect(provider.fetchSecret({ path: `${vault.url}/secrets/x`, auth: { ...auth, client_secret: 'bad' }, timeoutMs: 5000 })).rejects.toThrow(
        'azure: HTTP 401 invalid_client for the token of client c-1',
      );
      await expect(provider.fetchSecret({ path: 'db-password', auth, timeoutMs: 5000 })).rejects.toThrow(/not a Key Vault secret URL/);
    } finally {
      await Promise.all([login.stop(), vault.stop()]);
    }
  });
});

describe('gcp', () => {
  it('exchanges a service-account key (signed JWT) for a token, then reads the secret', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const token = await serve((_req, body, res) => {
      const assertion = new URLSearchParams(body).get('assertion') ?? '';
      const [header, claims, signature] = assertion.split('.');
      const valid = createVerify('RSA-SHA256').update(`${header}.${claims}`).verify(publicKey, signature, 'base64url');
      const payload = JSON.parse(Buffer.from(claims, 'base64url').toString());
      if (!valid || payload.iss !== 'sa@p.iam.gserviceaccount.com') res.writeHead(400).end(JSON.stringify({ error: 'invalid_grant' }));
      else res.writeHead(200).end(JSON.stringify({ access_token: 'sa-token', expires_in: 3600 }));
    });
    const api = await serve((req, _body, res) => {
      if (req.headers.authorization !== 'Bearer sa-token') res.writeHead(403).end(JSON.stringify({ error: { status: 'PERMISSION_DENIED' } }));
      else res.writeHead(200).end(JSON.stringify({ payload: { data: Buffer.from('s3cret').toString('base64') } }));
    });
    try {
      const provider = gcpProvider(api.url);
      const auth = {
        type: 'service_account',
        client_email: 'sa@p.iam.gserviceaccount.com',
        private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        token_uri: `${token.url}/token`,
      };
      expect(await provider.fetchSecret({ path: 'projects/p/secrets/api-key', auth, timeoutMs: 5000 })).toBe('s3cret');
      expect(api.seen[0].url).toBe('/v1/projects/p/secrets/api-key/versions/latest:access');
      await expect(provider.fetchSecret({ path: 'projects/p/secrets/x', auth: { access_token: 'other' }, timeoutMs: 5000 })).rejects.toThrow(
        'gcp: HTTP 403 PERMISSION_DENIED for projects/p/secrets/x/versions/latest',
      );
      await expect(provider.fetchSecret({ path: 'not/a/path', auth, timeoutMs: 5000 })).rejects.toThrow(/is not a secret path/);
    } finally {
      await Promise.all([token.stop(), api.stop()]);
    }
  });
});
