/**
 * The one place an error becomes an HTTP status and body (the CLI's counterpart is
 * src/cli/exit-codes.ts). The body is API.md's shape, readable by both upstream clients:
 * `{error, status, code, detail}` (Python clients read `detail`, Rust clients `error`/`status`),
 * plus `hint` (what to do, as data: `{option?, command?, text?}`), `details` (lines explaining
 * the message, never a value) and `reason` (a machine-readable sub-code) when there are any.
 */
import { ERROR_CODES, NoetlError, type ErrorCode, type ErrorHint } from '../core/errors.js';

/**
 * Error code → HTTP status. `expired` is 410 Gone: the thing existed and is no longer valid
 * (a keychain read of an expired entry is not an error: it answers 200 with `status: "expired"`).
 */
export const HTTP_STATUS_OF: Record<ErrorCode, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  expired: 410,
  unavailable: 503,
  internal: 500,
};

/**
 * A reason whose status is more precise than its code's: `rate_limited` (an `unavailable` error:
 * retry later) is 429 Too Many Requests, so clients and proxies see a limit, not an outage.
 */
const HTTP_STATUS_OF_REASON: Readonly<Record<string, number>> = { rate_limited: 429 };

/** The status of a NoetlError: its reason's, when the reason has one, else its code's. */
export function httpStatusOf(err: NoetlError): number {
  return (err.reason !== undefined && Object.hasOwn(HTTP_STATUS_OF_REASON, err.reason) ? HTTP_STATUS_OF_REASON[err.reason] : undefined) ?? HTTP_STATUS_OF[err.code];
}

/** HTTP status → error code, for a status that came without a code (an upstream server, a proxy): 429 and 5xx are `unavailable`, other 4xx not in the table `invalid`. */
export function errorCodeOfStatus(status: number): ErrorCode {
  const known = ERROR_CODES.find((code) => HTTP_STATUS_OF[code] === status);
  if (known) return known;
  if (status === 429) return 'unavailable';
  if (status === 422 || status === 413 || status === 415) return 'invalid';
  return status >= 500 ? 'unavailable' : 'invalid';
}

export interface ErrorBody {
  error: string;
  status: number;
  code: ErrorCode;
  detail: string;
  hint?: ErrorHint;
  details?: string[];
  reason?: string;
}

/** The status and body of an error answer. */
export interface HttpError {
  status: number;
  body: ErrorBody;
}

export function errorBody(status: number, code: ErrorCode, message: string, extra: Pick<ErrorBody, 'hint' | 'details' | 'reason'> = {}): ErrorBody {
  const body: ErrorBody = { error: message, status, code, detail: message };
  if (extra.hint) body.hint = extra.hint;
  if (extra.details?.length) body.details = extra.details;
  if (extra.reason) body.reason = extra.reason;
  return body;
}

/** What Fastify itself throws (a body too large, malformed JSON, a schema violation): a status and a code. */
interface FrameworkError {
  statusCode?: number;
  code?: string;
  validation?: unknown[];
  message: string;
}

/** Messages for the framework's errors, in our words (its own name internals and, for JSON, may quote the body). */
const FRAMEWORK_MESSAGES: Record<string, (limit: number) => string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: (limit) => `request body is larger than the limit of ${limit} bytes`,
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () => 'unsupported content type: send application/json',
  FST_ERR_CTP_EMPTY_JSON_BODY: () => 'request body is empty: send a JSON object',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => 'request body does not match its Content-Length',
};

/**
 * Any error thrown while answering, as a status and body. A NoetlError keeps its message
 * (its messages never hold a value); the framework's client errors get a message of ours;
 * anything else is a bug: 500 with no detail (the log has it, without the request body).
 */
export function toHttpError(err: unknown, options: { bodyLimit: number }): HttpError {
  if (err instanceof NoetlError) {
    const status = httpStatusOf(err);
    return { status, body: errorBody(status, err.code, err.message, { hint: err.hint, details: err.details, reason: err.reason }) };
  }
  if (isDatabaseGone(err)) {
    return { status: 503, body: errorBody(503, 'unavailable', 'the database is not available (its connection was closed or refused): retry in a moment', { reason: 'database' }) };
  }
  const framework = err as FrameworkError;
  const status = framework?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const code = errorCodeOfStatus(status);
    if (Array.isArray(framework.validation)) {
      // The schema's words (`body must have required property 'name'`): they name fields, never values.
      return { status: 400, body: errorBody(400, 'invalid', `invalid request: ${framework.message}`, { reason: 'validation' }) };
    }
    const message = FRAMEWORK_MESSAGES[framework.code ?? '']?.(options.bodyLimit) ?? framework.message;
    return { status, body: errorBody(status, code, message) };
  }
  return { status: 500, body: errorBody(500, 'internal', 'internal error (this is a bug in noetl; the server log has the details)') };
}

/**
 * A PostgreSQL error that means the database went away rather than that the request was bad:
 * connection exceptions (SQLSTATE class 08) and operator intervention (57P01 terminated by an
 * administrator, 57P02 crash, 57P03 cannot connect now). The SQL layer maps the usual ones to
 * `unavailable`; these are what is left of a database restarted or cut off mid-request.
 */
function isDatabaseGone(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && /^(08[0-9A-Z]{3}|57P0[1-3])$/.test(code);
}
