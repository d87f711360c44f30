/** Shared pieces of the keychain tests: a master key, a registered playbook, real token endpoints. */
import { createCipheriv, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OAuth2Server } from 'oauth2-mock-server';
import type { KeySet, MasterKey } from '../../src/core/envelope.js';
import type { NoetlClient } from '../../src/api/index.js';
import { createLocalClient } from '../../src/backends/local/index.js';
import { registerPlaybook } from '../../src/backends/local/catalog.js';
import type { Store } from '../../src/backends/sql/store.js';
import { fakeClock, testStore } from '../helpers/store.js';

export function testKeys(): KeySet {
  return { current: { provider: 'local', kid: 'test', kv: 'v1', key: randomBytes(32) }, previous: [] };
}

function gcm(key: Buffer, plaintext: Buffer): Buffer {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  return Buffer.concat([nonce, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

/** An envelope as ENCRYPTION.md builds it, around any text (seal() only takes JSON values): a sound record whose content is not JSON. */
export function sealText(plaintext: string, kek: MasterKey): string {
  const dek = randomBytes(32);
  return JSON.stringify({
    v: 1,
    alg: 'AES-256-GCM',
    ct: gcm(dek, Buffer.from(plaintext)).toString('base64'),
    dek: { p: kek.provider, kid: kek.kid, kv: kek.kv, ct: gcm(kek.key, dek).toString('base64') },
  });
}

export const PLAYBOOK = `apiVersion: noetl.io/v2
kind: Playbook
metadata:
  name: travel_booking_api
  path: integrations/travel_booking
workload:
  gcp_auth: google_oauth
`;

/** Registers a playbook and returns its catalog_id. */
export async function registerTestPlaybook(store: Store, content = PLAYBOOK): Promise<string> {
  return (await registerPlaybook(store, content)).catalog_id;
}

/** A fresh store on a fake clock, a master key and the test playbook registered: each keychain test's start. */
export async function keychainTestbed(): Promise<{ clock: ReturnType<typeof fakeClock>; store: Store; keys: KeySet; catalogId: string; client: NoetlClient }> {
  const clock = fakeClock();
  const store = await testStore({ clock });
  const keys = testKeys();
  const client = createLocalClient({ store, keys: async () => keys });
  return { clock, store, keys, catalogId: await registerTestPlaybook(store), client };
}

export const CLIENT_ID = 'noetl-client';
export const CLIENT_SECRET = 's3cr3t-client-secret-value';

/**
 * oauth2-mock-server on 127.0.0.1, made strict: a wrong client secret gets
 * HTTP 401 invalid_client, tokens get the short expires_in asked for. Counts token requests.
 */
export async function startOAuthServer(expiresIn = 120) {
  const server = new OAuth2Server();
  await server.issuer.keys.generate('RS256');
  await server.start(0, '127.0.0.1');
  let requests = 0;
  server.service.on('beforeResponse', (response, req) => {
    requests += 1;
    const body = (req as unknown as { body: Record<string, string> }).body;
    if (body.client_secret !== CLIENT_SECRET || body.client_id !== CLIENT_ID) {
      response.statusCode = 401;
      response.body = { error: 'invalid_client', error_description: `bad secret ${body.client_secret}` };
      return;
    }
    (response.body as Record<string, unknown>).expires_in = expiresIn;
  });
  return {
    tokenUrl: `${server.issuer.url}/token`,
    requests: () => requests,
    stop: () => server.stop(),
  };
}

export function renewConfig(tokenUrl: string, secret = CLIENT_SECRET) {
  return {
    endpoint: tokenUrl,
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    data: { grant_type: 'client_credentials', client_id: CLIENT_ID, client_secret: secret },
  };
}

/**
 * A plain token endpoint: answers after `delayMs` (or never, with `hang`), counts requests,
 * and records their bodies. For the concurrency and timeout tests. `extraFields` are added
 * to every response (e.g. a non-default ttl field).
 */
export async function startTokenServer(
  options: { delayMs?: number; hang?: boolean; expiresIn?: number; extraFields?: Record<string, unknown> } = {},
) {
  let requests = 0;
  const bodies: string[] = [];
  const pending: ServerResponse[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      requests += 1;
      bodies.push(body);
      if (options.hang) {
        pending.push(res);
        return;
      }
      setTimeout(() => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ access_token: `token-${requests}-${randomBytes(8).toString('hex')}`, token_type: 'Bearer', expires_in: options.expiresIn ?? 3600, ...options.extraFields }));
      }, options.delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/oauth/token`,
    requests: () => requests,
    bodies: () => bodies,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const res of pending) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
