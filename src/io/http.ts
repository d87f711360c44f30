/**
 * HTTP requests over node:http / node:https, for the HTTP client of a NoETL server
 * (src/backends/http/transport.ts) and the gateway and Auth0 requests of the CLI
 * (src/cli/auth/http.ts): the one check of a server's URL, and one raw request. Not fetch: its
 * first use (undici) costs more start-up than a whole command; node:https (and TLS with it) is
 * loaded only for an https URL.
 */
import type { Agent, IncomingHttpHeaders } from 'node:http';
import { invalidError } from '../core/errors.js';

/**
 * A server's URL checked: http or https, no user or password (`credentialsAdvice` says where a
 * secret goes instead), no query or fragment; its path without a trailing slash. The text is never
 * echoed in a message (it might hold a secret). A root path stays '/' (a URL's path cannot be empty).
 */
export function parseHttpUrl(text: string, what: string, credentialsAdvice = 'give the token on its own'): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalidError(`${what} is not a URL: give http(s)://HOST[:PORT], e.g. http://127.0.0.1:8082`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalidError(`${what} is a ${url.protocol} URL: give http(s)://HOST[:PORT]`);
  if (url.username || url.password) throw invalidError(`${what} has a user or password in it: ${credentialsAdvice}`);
  if (url.search || url.hash) throw invalidError(`${what} has a query or fragment: give http(s)://HOST[:PORT][/PATH]`);
  url.pathname = url.pathname.replace(/\/+$/, '');
  return url;
}

export interface RawRequest {
  method: string;
  url: URL;
  headers: Record<string, string | number>;
  body?: string;
  /** The longest the request may take, connecting included: then it fails with code ETIMEDOUT. */
  timeoutMs: number;
  /** The most of an answer read: past it the request fails with code ETOOBIG. */
  maxBytes: number;
  /** A keep-alive agent of the URL's protocol (httpModule's), else a connection of its own. */
  agent?: Agent;
}

export interface RawAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** node:http, or node:https for an https URL (loaded on first use). */
export function httpModule(url: URL): Promise<typeof import('node:http') | typeof import('node:https')> {
  return url.protocol === 'https:' ? import('node:https') : import('node:http');
}

/** Sends one request and reads its whole answer; fails with the socket's error (its errno code), ETIMEDOUT or ETOOBIG. */
export async function send(req: RawRequest): Promise<RawAnswer> {
  const { request: start } = await httpModule(req.url);
  return new Promise((resolve, reject) => {
    const request = start(req.url, { method: req.method, headers: req.headers, agent: req.agent, timeout: req.timeoutMs }, (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > req.maxBytes) {
          request.destroy(Object.assign(new Error('answer too large'), { code: 'ETOOBIG' }));
          return;
        }
        chunks.push(chunk);
      });
      response.on('error', reject);
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text: Buffer.concat(chunks).toString('utf8') }));
    });
    request.on('timeout', () => request.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    request.on('error', reject);
    request.end(req.body);
  });
}
