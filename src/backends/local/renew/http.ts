/**
 * Outgoing HTTP requests that carry credentials (token endpoints, secret managers), with
 * three guards fetch does not give by default:
 * - a redirect is followed only within the same origin (scheme, host, port): a 307 to
 *   another origin would otherwise re-send the client secret there;
 * - plain http:// is refused except to a loopback address, unless the caller allows it;
 * - the response body is read up to a limit, checked while reading (a huge answer is
 *   never buffered whole, nor stored).
 * Failures are NoetlErrors with reason HTTP_GUARD, which the caller words under its own name; they name
 * origins and paths, never queries, user info or bodies.
 */

import { NoetlError } from '../../../core/errors.js';
import { describeEndpoint, insecureEndpointProblem, MAX_RESPONSE_BYTES } from '../../../core/endpoint.js';

/** Same-origin redirects followed before giving up. */
const MAX_REDIRECTS = 5;

/** The reason of a NoetlError thrown by a guard (the caller words it under its own name). */
export const HTTP_GUARD = 'http-guard';

function guardError(message: string): NoetlError {
  return new NoetlError('unavailable', message, { reason: HTTP_GUARD });
}

export interface GuardedRequest {
  method: string;
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
  /** Plain http:// beyond loopback is allowed (the operator said so). */
  allowInsecureHttp?: boolean;
  maxBytes?: number;
}

export interface GuardedResponse {
  status: number;
  ok: boolean;
  body: string;
}

/**
 * fetch with the guards above. Network errors and timeouts are thrown as fetch throws them;
 * the guards as NoetlErrors with reason HTTP_GUARD.
 */
export async function guardedFetch(url: URL, request: GuardedRequest): Promise<GuardedResponse> {
  const insecure = insecureEndpointProblem(url, request.allowInsecureHttp === true);
  if (insecure) throw guardError(insecure);
  let { method, body } = request;
  const headers = { ...request.headers };
  let at = url;
  for (let redirects = 0; ; redirects++) {
    const response = await fetch(at, { method, headers, body, signal: request.signal, redirect: 'manual' });
    const location = response.headers.get('location');
    if (response.status < 300 || response.status > 399 || location === null) {
      return { status: response.status, ok: response.ok, body: await readLimited(response, at, request.maxBytes ?? MAX_RESPONSE_BYTES) };
    }
    await response.body?.cancel();
    let next: URL;
    try {
      next = new URL(location, at);
    } catch {
      throw guardError(`${describeEndpoint(at)} redirected (HTTP ${response.status}) to an address that is not a URL`);
    }
    if (next.origin !== at.origin) {
      const where = `${describeEndpoint(at)} redirected (HTTP ${response.status}) to another origin, ${next.origin}`;
      throw guardError(`${where}: not followed, credentials are never sent to another origin; if that is the right endpoint, configure it directly`);
    }
    if (redirects >= MAX_REDIRECTS) throw guardError(`${describeEndpoint(url)} redirected more than ${MAX_REDIRECTS} times`);
    // As fetch does: 303, and 301/302 after a POST, continue as a GET without the body.
    if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === 'POST')) {
      method = 'GET';
      body = undefined;
      for (const name of Object.keys(headers)) if (name.toLowerCase() === 'content-type') delete headers[name];
    }
    at = next;
  }
}

/** The body as text, refused as soon as it passes `maxBytes` (declared or counted). */
async function readLimited(response: Response, url: URL, maxBytes: number): Promise<string> {
  const tooLarge = () => guardError(`the response from ${describeEndpoint(url)} is larger than ${maxBytes} bytes: refused, nothing stored`);
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel();
    throw tooLarge();
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
