/**
 * A fake Auth0 device authorization server on 127.0.0.1:0 (RFC 8628): /oauth/device/code hands
 * out a code; /oauth/token answers the scripted errors (authorization_pending, slow_down,
 * expired_token…) one per poll, then the access token: a fixed string, or (`sign`) an RS256 JWT
 * for `audience` with `iss` = its URL, whose key it serves at /.well-known/jwks.json, as Auth0 does.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

export interface DeviceServer {
  url: string;
  /** The form fields of every request, by path. */
  requests: { path: string; form: Record<string, string> }[];
  close(): Promise<void>;
}

async function readForm(request: IncomingMessage): Promise<Record<string, string>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
}

export interface DeviceServerOptions {
  polls: string[];
  accessToken?: string;
  /** Issue signed JWTs for this audience, with these claims, instead of `accessToken`. */
  sign?: { audience: string; claims: Record<string, unknown> };
  interval?: number;
  expiresIn?: number;
  clientId?: string;
}

export async function startDeviceServer(options: DeviceServerOptions): Promise<DeviceServer> {
  const requests: DeviceServer['requests'] = [];
  let polled = 0;
  const keys = options.sign ? await generateKeyPair('RS256') : undefined;
  const jwks = keys ? { keys: [{ ...(await exportJWK(keys.publicKey)), kid: 'device-k1', alg: 'RS256', use: 'sig' }] } : { keys: [] };
  const accessToken = async (): Promise<string> => {
    if (!options.sign || !keys) return options.accessToken ?? 'auth0-access-token';
    return new SignJWT(options.sign.claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'device-k1' })
      .setIssuer(url)
      .setAudience(options.sign.audience)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(keys.privateKey);
  };
  const server = createServer(async (request, response) => {
    if (request.url === '/.well-known/jwks.json') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(jwks));
      return;
    }
    const form = await readForm(request);
    requests.push({ path: request.url ?? '', form });
    const reply = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (form.client_id !== (options.clientId ?? 'cli-app')) return reply(401, { error: 'unauthorized_client', error_description: 'Unknown client.' });
    if (request.url === '/oauth/device/code') {
      const { port } = server.address() as AddressInfo;
      return reply(200, {
        device_code: 'dev-code-1',
        user_code: 'WDJB-MJHT',
        verification_uri: `http://127.0.0.1:${port}/activate`,
        verification_uri_complete: `http://127.0.0.1:${port}/activate?user_code=WDJB-MJHT`,
        expires_in: options.expiresIn ?? 900,
        interval: options.interval ?? 5,
      });
    }
    if (request.url === '/oauth/token') {
      if (form.grant_type !== 'urn:ietf:params:oauth:grant-type:device_code' || form.device_code !== 'dev-code-1') return reply(400, { error: 'invalid_grant' });
      const step = options.polls[polled++];
      if (step === undefined) return reply(200, { access_token: await accessToken(), token_type: 'Bearer', expires_in: 86400 });
      return reply(step === 'slow_down' || step === 'authorization_pending' ? 400 : 403, { error: step, error_description: step });
    }
    reply(404, { error: 'not_found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, requests, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
