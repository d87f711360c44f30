/**
 * JSON (and form) requests over node:http/node:https for the gateway commands (`auth`, `run`,
 * `execution`) and the Auth0 device flow: no fetch, whose first use costs more start-up than the
 * whole request. Answers are bounded in size; 64-bit integers in them stay exact.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { invalidError, NoetlError, unavailableError } from '../../core/errors.js';
import { parseJsonExact } from '../../core/json.js';

/** The largest answer read (a GraphQL result with a step's output fits well within it). */
const MAX_ANSWER_BYTES = 4 * 1024 * 1024;
const REQUEST_TIMEOUT_MS = 30_000;

export interface HttpAnswer {
  status: number;
  /** The parsed JSON body; undefined when it was not JSON (plain-text errors). */
  json: unknown;
  text: string;
}

export interface HttpRequest {
  method: 'GET' | 'POST';
  url: URL;
  /** What is asked, for error messages: `the gateway`, `the Auth0 device endpoint`. */
  peer: string;
  headers?: Record<string, string>;
  /** A JSON value, or form fields (application/x-www-form-urlencoded). */
  json?: unknown;
  form?: Record<string, string>;
}

/** An http(s) URL given on the command line or in the environment, without a trailing slash. */
export function baseUrl(text: string, what: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalidError(`${what} '${text}' is not a URL: give one such as http://127.0.0.1:8090`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalidError(`${what} must be an http:// or https:// URL, got ${url.protocol}`);
  url.pathname = url.pathname.replace(/\/+$/, '');
  url.search = '';
  url.hash = '';
  return url;
}

/** `base` joined with `path` (`/api/auth/login`), keeping any path prefix of the base. */
export function joinUrl(base: URL, path: string): URL {
  const url = new URL(base.href);
  url.pathname = `${base.pathname.replace(/\/+$/, '')}${path}`;
  return url;
}

/** Sends one request and reads its whole answer; a connection failure is `unavailable`. */
export function sendRequest(req: HttpRequest): Promise<HttpAnswer> {
  const body = req.json !== undefined ? JSON.stringify(req.json) : req.form ? new URLSearchParams(req.form).toString() : undefined;
  const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
  if (body !== undefined) {
    headers['content-type'] = req.json !== undefined ? 'application/json' : 'application/x-www-form-urlencoded';
    headers['content-length'] = String(Buffer.byteLength(body));
  }
  const send = req.url.protocol === 'https:' ? httpsRequest : httpRequest;
  const origin = req.url.origin;
  return new Promise((resolve, reject) => {
    const request = send(req.url, { method: req.method, headers, timeout: REQUEST_TIMEOUT_MS }, (response: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let total = 0;
      response.on('data', (chunk: Buffer) => {
        total += chunk.length;
        if (total > MAX_ANSWER_BYTES) {
          response.destroy();
          reject(unavailableError(`${req.peer} at ${origin} answered more than ${MAX_ANSWER_BYTES / 1024 / 1024} MiB`));
          return;
        }
        chunks.push(chunk);
      });
      response.on('error', (err) => reject(unreachable(req.peer, origin, err)));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        if (text.trim() !== '' && /json/i.test(String(response.headers['content-type'] ?? 'application/json'))) {
          try {
            json = parseJsonExact(text, `the answer of ${req.peer}`);
          } catch {
            json = undefined;
          }
        }
        resolve({ status: response.statusCode ?? 0, json, text });
      });
    });
    request.on('timeout', () => request.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    request.on('error', (err) => reject(unreachable(req.peer, origin, err)));
    request.end(body);
  });
}

function unreachable(peer: string, origin: string, err: Error): NoetlError {
  const code = (err as NodeJS.ErrnoException).code;
  return unavailableError(`cannot reach ${peer} at ${origin}: ${code ?? err.message}`, { hint: { text: 'check the URL and that it is running' }, cause: err });
}

/** The one-line message of an error answer: ours and upstream's `{error}`/`{detail}`, or plain text. */
export function answerMessage(answer: HttpAnswer): string {
  const body = answer.json as { error?: unknown; detail?: unknown; message?: unknown; error_description?: unknown } | undefined;
  for (const field of [body?.error_description, body?.error, body?.detail, body?.message]) {
    if (typeof field === 'string' && field !== '') return field;
  }
  const line = answer.text.trim().split('\n')[0]?.slice(0, 200);
  return line ? line : `HTTP ${answer.status}`;
}
