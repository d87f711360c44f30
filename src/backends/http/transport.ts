/**
 * One request to a NoETL server over node:http / node:https (not fetch: undici costs ~40 ms of
 * start-up, and the CLI's remote commands must start as fast as `node -e ''`). Answers are
 * parsed with 64-bit integers exact; error answers in any dialect (ours, upstream Python's
 * `{"detail"}` and 422 `{"detail": [...]}`, upstream Rust's `{"error","status"}`, plain text)
 * become one NoetlError. Idempotent reads (GET) are retried with backoff when the server is
 * unreachable (refused, reset) or answers 502/503/504; nothing else is. The token never appears in a message.
 */
import type { Agent } from 'node:http';
import { ERROR_CODES, NoetlError, type ErrorCode, type ErrorHint } from '../../core/errors.js';
import { parseJsonExact } from '../../core/json.js';
import { httpModule, parseHttpUrl, send } from '../../io/http.js';
import { errorCodeOfStatus } from '../../server/errors.js';

export type Query = Record<string, string | number | boolean | undefined | null>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  /** A 404 whose body says `status: "not_found"` is an answer (keychain reads and deletes), not an error. */
  notFoundIsAnswer?: boolean;
}

export interface TransportOptions {
  /** The server: `http://127.0.0.1:8082`, `https://noetl.example.com` (a path prefix is kept). */
  serverUrl: string;
  /** A service token, sent as `Authorization: Bearer`; none for a server without auth. Never in a message. */
  token?: string;
  /** The longest one request may take, connecting included (30 s). */
  timeoutMs?: number;
  /** Waits before each retry of a read (GET) that found the server unreachable or busy (502/503/504), in ms; its length is the number of retries ([100, 400]). */
  retryDelaysMs?: readonly number[];
  /** How a retry waits (tests pass one that does not sleep). */
  sleep?: (ms: number) => Promise<void>;
  /** Extra trusted CA certificates (PEM) for an HTTPS server with a private CA. */
  ca?: string | Buffer;
  /** The message of an `unauthenticated` answer, instead of the server's (which speaks to whoever runs it); the server's error is its cause. */
  unauthenticatedMessage?: string;
}

export interface Transport {
  /** The server as messages name it: scheme, host and path, never credentials or a query. */
  readonly server: string;
  request(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, options?: RequestOptions): Promise<unknown>;
  close(): Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_RETRY_DELAYS_MS = [100, 400];
/** Statuses a retried GET may recover from: a proxy or a replica in trouble for a moment. */
const RETRY_STATUSES = new Set([502, 503, 504]);
/** The most of an answer read (a bigger one is refused): 64 MiB. */
const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
const MAX_MESSAGE_CHARS = 300;
const IDLE_SOCKET_MS = 4000;

/** Network failures a retried GET may get past (not a timeout: the server is there, and slow; not TLS: it will not change). */
const TRANSIENT_NETWORK_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/** Network failures in words (`connection refused`), by errno code. */
const NETWORK_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by the server',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed (DNS)',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  EPIPE: 'connection closed by the server',
  ECONNABORTED: 'connection aborted',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'TLS: the server certificate is self-signed (not trusted)',
  SELF_SIGNED_CERT_IN_CHAIN: 'TLS: self-signed certificate in the chain (not trusted)',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS: unable to verify the server certificate',
  CERT_HAS_EXPIRED: 'TLS: the server certificate has expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'TLS: the server certificate does not match its host name',
  EPROTO: 'TLS protocol error (is it an HTTP server?)',
};

/** A URL for a message: without credentials, query or fragment (they may hold a secret). */
function redactUrl(text: string): string {
  return text.replace(/\/\/[^/@]*@/, '//').replace(/[?#].*$/, '').slice(0, 200);
}

export function createTransport(options: TransportOptions): Transport {
  const base = parseHttpUrl(options.serverUrl, 'server URL');
  // A path prefix (a server behind a reverse proxy at /noetl) is kept, without its trailing slash (a URL's root path is '/').
  const prefix = base.pathname.replace(/\/+$/, '');
  const server = `${base.origin}${prefix}`;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const retryDelays = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  // An idle pooled connection is closed after IDLE_SOCKET_MS, before a server's own keep-alive
  // timeout (5 s for Node and uvicorn) can close it under a request about to be sent on it.
  let connection: Promise<Agent> | undefined;
  const connect = () => (connection ??= httpModule(base).then((http) => new http.Agent({ keepAlive: true, timeout: IDLE_SOCKET_MS, ...(options.ca ? { ca: options.ca } : {}) })));
  const { token, unauthenticatedMessage } = options;
  if (token !== undefined && (token === '' || /[\r\n]/.test(token))) throw new NoetlError('invalid', 'the token is empty or holds a line break: give the token alone');

  async function once(method: string, path: string, query: Query | undefined, body: string | undefined): Promise<{ status: number; location?: string; text: string }> {
    const url = new URL(base.origin + prefix + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== null) url.searchParams.set(k, String(v));
    const headers: Record<string, string | number> = { accept: 'application/json' };
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(body);
    }
    const answer = await send({ method, url, headers, body, agent: await connect(), timeoutMs, maxBytes: MAX_RESPONSE_BYTES });
    return { status: answer.status, location: answer.headers.location, text: answer.text };
  }

  return {
    server,
    async request(method, path, options = {}) {
      const body = options.body === undefined ? undefined : JSON.stringify(options.body);
      const what = `${method} ${path}`;
      for (let attempt = 0; ; attempt++) {
        const retriable = method === 'GET' && attempt < retryDelays.length;
        let answer;
        try {
          answer = await once(method, path, options.query, body);
        } catch (err) {
          if (retriable && TRANSIENT_NETWORK_ERRORS.has((err as NodeJS.ErrnoException)?.code ?? '')) {
            await sleep(retryDelays[attempt]!);
            continue;
          }
          throw networkError(err, server, what, timeoutMs);
        }
        if (answer.status >= 200 && answer.status < 300) return parseAnswer(answer.text, server, what);
        if (answer.status === 404 && options.notFoundIsAnswer) {
          const found = notFoundAnswer(answer.text);
          if (found) return found;
        }
        if (retriable && RETRY_STATUSES.has(answer.status)) {
          await sleep(retryDelays[attempt]!);
          continue;
        }
        if (answer.status >= 300 && answer.status < 400) {
          // Never followed: the token would go wherever the answer points.
          const to = answer.location ? ` to ${redactUrl(answer.location)}` : '';
          throw new NoetlError('invalid', `NoETL server ${server} redirected ${what}${to} (${answer.status}): give the server URL it redirects to`);
        }
        const error = errorOfAnswer(answer.status, answer.text, server, what);
        if (error.code === 'unauthenticated' && unauthenticatedMessage) throw new NoetlError('unauthenticated', unauthenticatedMessage, { cause: error });
        throw error;
      }
    },
    async close() {
      if (connection) (await connection).destroy();
    },
  };
}

function parseAnswer(text: string, server: string, what: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return parseJsonExact(text, `answer of ${server} to ${what}`);
  } catch (err) {
    throw new NoetlError('unavailable', `NoETL server ${server} answered ${what} with something that is not JSON: is it a NoETL server?`, { cause: err });
  }
}

/** A 404 body that is a keychain `not_found` result, or undefined (a missing route, another error). */
function notFoundAnswer(text: string): unknown {
  try {
    const body = parseJsonExact(text, 'answer') as { status?: unknown } | null;
    return body && typeof body === 'object' && body.status === 'not_found' ? body : undefined;
  } catch {
    return undefined;
  }
}

function networkError(err: unknown, server: string, what: string, timeoutMs: number): NoetlError {
  const code = (err as NodeJS.ErrnoException)?.code ?? '';
  if (code === 'ETOOBIG') return new NoetlError('unavailable', `NoETL server ${server} answered ${what} with more than ${MAX_RESPONSE_BYTES / 1024 / 1024} MiB`);
  if (code === 'ETIMEDOUT') return new NoetlError('unavailable', `NoETL server ${server} did not answer ${what} within ${timeoutMs / 1000} s`, { reason: 'timeout' });
  const words = NETWORK_ERRORS[code] ?? (err instanceof Error ? err.message.slice(0, MAX_MESSAGE_CHARS) : 'unknown error');
  return new NoetlError('unavailable', `cannot reach NoETL server ${server}: ${words}`, { reason: 'unreachable', hint: { text: 'check the server URL and that the server is running' }, cause: err });
}

/** The one-line error of an answer with a status outside 2xx, whatever the server's dialect. */
function errorOfAnswer(status: number, text: string, server: string, what: string): NoetlError {
  let body: unknown;
  try {
    body = text.trim().startsWith('{') ? parseJsonExact(text, 'error answer') : undefined;
  } catch {
    body = undefined;
  }
  const fields = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const message = messageOf(fields) ?? plainText(text) ?? `HTTP ${status}`;
  const code: ErrorCode = typeof fields.code === 'string' && (ERROR_CODES as readonly string[]).includes(fields.code) ? (fields.code as ErrorCode) : errorCodeOfStatus(status);
  const details = Array.isArray(fields.details) ? fields.details.filter((d): d is string => typeof d === 'string') : validationDetails(fields.detail);
  const options = { hint: hintOf(fields.hint), details, reason: typeof fields.reason === 'string' ? fields.reason : undefined };
  // A server-side failure names the server and the request; a client error is the server's own sentence.
  if (status >= 500) return new NoetlError(code, `NoETL server ${server} failed on ${what} (${status}): ${message}`, options);
  return new NoetlError(code, message, options);
}

/** The message of an error body: ours and Rust's `error`, Python's `detail` (a string, or 422's list). */
function messageOf(fields: Record<string, unknown>): string | undefined {
  if (typeof fields.error === 'string' && fields.error) return oneLine(fields.error);
  if (typeof fields.detail === 'string' && fields.detail) return oneLine(fields.detail);
  const details = validationDetails(fields.detail);
  if (details.length) return oneLine(`invalid request: ${details.join('; ')}`);
  if (typeof fields.message === 'string' && fields.message) return oneLine(fields.message);
  return undefined;
}

/** Python's 422 `{"detail": [{loc: ["body", "name"], msg: "field required", type}]}` as lines (`body.name: field required`). */
function validationDetails(detail: unknown): string[] {
  if (!Array.isArray(detail)) return [];
  return detail.map((item) => {
    if (typeof item === 'string') return oneLine(item);
    const entry = (item ?? {}) as { loc?: unknown; msg?: unknown };
    const loc = Array.isArray(entry.loc) ? entry.loc.join('.') : undefined;
    const msg = typeof entry.msg === 'string' ? entry.msg : 'invalid';
    return oneLine(loc ? `${loc}: ${msg}` : msg);
  });
}

function hintOf(hint: unknown): ErrorHint | undefined {
  if (typeof hint === 'string' && hint) return { text: oneLine(hint) };
  if (!hint || typeof hint !== 'object') return undefined;
  const { option, command, text } = hint as Record<string, unknown>;
  const out: ErrorHint = {};
  if (typeof option === 'string') out.option = option;
  if (typeof command === 'string') out.command = command;
  if (typeof text === 'string') out.text = text;
  return Object.keys(out).length ? out : undefined;
}

function plainText(text: string): string | undefined {
  const line = text.trim().split('\n')[0]?.trim();
  if (!line || line.startsWith('<')) return undefined; // an HTML error page says nothing useful
  return oneLine(line);
}

function oneLine(text: string): string {
  const line = text.replace(/\s*\n\s*/g, ' ').trim();
  return line.length > MAX_MESSAGE_CHARS ? `${line.slice(0, MAX_MESSAGE_CHARS)}…` : line;
}
