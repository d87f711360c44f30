/**
 * JSON (and form) requests for the gateway commands (`auth`, `run`, `execution`) and the Auth0
 * device flow, over src/io/http.ts. Answers are bounded in size; 64-bit integers in them stay exact.
 */
import { NoetlError, unavailableError } from '../../core/errors.js';
import { parseJsonExact } from '../../core/json.js';
import { parseHttpUrl, send } from '../../io/http.js';

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

/** A gateway's or Auth0's http(s) URL, without a trailing slash: a login never travels in it. */
export function baseUrl(text: string, what: string): URL {
  return parseHttpUrl(text, what, 'remove it: a login travels in the request, never in the URL');
}

/** `base` joined with `path` (`/api/auth/login`), keeping any path prefix of the base. */
export function joinUrl(base: URL, path: string): URL {
  const url = new URL(base.href);
  url.pathname = `${base.pathname.replace(/\/+$/, '')}${path}`;
  return url;
}

/** Sends one request and reads its whole answer; a connection failure is `unavailable`. */
export async function sendRequest(req: HttpRequest): Promise<HttpAnswer> {
  const body = req.json !== undefined ? JSON.stringify(req.json) : req.form ? new URLSearchParams(req.form).toString() : undefined;
  const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
  if (body !== undefined) {
    headers['content-type'] = req.json !== undefined ? 'application/json' : 'application/x-www-form-urlencoded';
    headers['content-length'] = String(Buffer.byteLength(body));
  }
  const origin = req.url.origin;
  let answer;
  try {
    answer = await send({ method: req.method, url: req.url, headers, body, timeoutMs: REQUEST_TIMEOUT_MS, maxBytes: MAX_ANSWER_BYTES });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ETOOBIG') throw unavailableError(`${req.peer} at ${origin} answered more than ${MAX_ANSWER_BYTES / 1024 / 1024} MiB`);
    throw unreachable(req.peer, origin, err as Error);
  }
  const { text } = answer;
  let json: unknown;
  if (text.trim() !== '' && /json/i.test(String(answer.headers['content-type'] ?? 'application/json'))) {
    try {
      json = parseJsonExact(text, `the answer of ${req.peer}`);
    } catch {
      json = undefined;
    }
  }
  return { status: answer.status, json, text };
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
