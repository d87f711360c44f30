/**
 * The OAuth 2.0 device authorization grant (RFC 8628) against Auth0: ask for a device code, show
 * the user code and where to enter it, then poll the token endpoint at the interval the issuer
 * asks for (slower after `slow_down`) until it answers a token, refuses, or the code expires.
 */
import { NoetlError, invalidError } from '../../core/errors.js';
import { answerMessage, baseUrl, joinUrl, sendRequest } from './http.js';

export interface DeviceFlowOptions {
  /** The Auth0 domain (`tenant.eu.auth0.com`, https assumed), or an issuer URL (`http://127.0.0.1:4000` for tests). */
  domain: string;
  clientId: string;
  /** The API the access token is for (Auth0 `audience`): what the gateway checks as `aud`. */
  audience?: string;
  scope?: string;
}

export interface DeviceFlowDeps {
  /** Shows the code and where to enter it (stderr). */
  prompt(code: { userCode: string; verificationUri: string; verificationUriComplete?: string; expiresInSeconds: number }): void;
  sleep(ms: number): Promise<void>;
  now(): Date;
}

const GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:device_code';
/** RFC 8628 3.5: without an interval, 5 seconds; `slow_down` adds 5 seconds. */
const DEFAULT_INTERVAL_SECONDS = 5;
const SLOW_DOWN_SECONDS = 5;

/** The issuer's base URL: the domain as https://domain, or the URL given. */
export function issuerUrl(domain: string): URL {
  if (domain.includes('://')) return baseUrl(domain, '--auth0-domain');
  if (!/^[A-Za-z0-9.-]+(:\d+)?$/.test(domain)) throw invalidError(`--auth0-domain '${domain}' is not a host name: give one such as your-tenant.auth0.com`);
  return new URL(`https://${domain}`);
}

/** Runs the flow to its end: the access token, or an error (denied, expired, refused). */
export async function deviceFlowToken(opts: DeviceFlowOptions, deps: DeviceFlowDeps): Promise<string> {
  const issuer = issuerUrl(opts.domain);
  const peer = 'the Auth0 device authorization endpoint';
  const form: Record<string, string> = { client_id: opts.clientId, scope: opts.scope ?? 'openid profile email' };
  if (opts.audience) form.audience = opts.audience;
  const started = await sendRequest({ method: 'POST', url: joinUrl(issuer, '/oauth/device/code'), peer, form });
  const code = started.json as { device_code?: unknown; user_code?: unknown; verification_uri?: unknown; verification_uri_complete?: unknown; expires_in?: unknown; interval?: unknown } | undefined;
  if (started.status !== 200 || typeof code?.device_code !== 'string' || typeof code.user_code !== 'string' || typeof code.verification_uri !== 'string') {
    throw new NoetlError(started.status === 401 || started.status === 403 ? 'unauthenticated' : 'unavailable', `${peer} at ${issuer.origin} refused to start a login (HTTP ${started.status}): ${answerMessage(started)}`, {
      hint: { text: 'check --auth0-domain and --client-id (the application must allow the device code grant)' },
    });
  }
  const expiresIn = typeof code.expires_in === 'number' && code.expires_in > 0 ? code.expires_in : 900;
  let interval = typeof code.interval === 'number' && code.interval > 0 ? code.interval : DEFAULT_INTERVAL_SECONDS;
  deps.prompt({
    userCode: code.user_code,
    verificationUri: code.verification_uri,
    verificationUriComplete: typeof code.verification_uri_complete === 'string' ? code.verification_uri_complete : undefined,
    expiresInSeconds: expiresIn,
  });
  const deadline = deps.now().getTime() + expiresIn * 1000;
  for (;;) {
    if (deps.now().getTime() >= deadline) throw expiredCode();
    await deps.sleep(interval * 1000);
    const answer = await sendRequest({
      method: 'POST',
      url: joinUrl(issuer, '/oauth/token'),
      peer: 'the Auth0 token endpoint',
      form: { grant_type: GRANT_TYPE, device_code: code.device_code, client_id: opts.clientId },
    });
    const body = answer.json as { access_token?: unknown; error?: unknown } | undefined;
    if (answer.status === 200 && typeof body?.access_token === 'string') return body.access_token;
    switch (body?.error) {
      case 'authorization_pending':
        continue;
      case 'slow_down':
        interval += SLOW_DOWN_SECONDS;
        continue;
      case 'expired_token':
        throw expiredCode();
      case 'access_denied':
        throw new NoetlError('forbidden', 'the login was denied in the browser', { hint: { command: 'auth login', text: 'to try again' } });
      default:
        throw new NoetlError('unavailable', `the Auth0 token endpoint at ${issuer.origin} refused the device code (HTTP ${answer.status}): ${answerMessage(answer)}`);
    }
  }
}

function expiredCode(): NoetlError {
  return new NoetlError('expired', 'the device code expired before the login was approved', { hint: { command: 'auth login', text: 'to get a new code' } });
}
