/**
 * The bearer pattern of seeds 000/001 (`auth: {credential, bearer: true, variable: NAME}`):
 * the step's result becomes a `bearer_token` execution variable. Only two result shapes
 * carry a token; anything else is refused rather than stored as a useless variable.
 */

/** What the seeds' "Token Return Format" asks a bearer step to return, for error messages. */
export const TOKEN_RETURN_FORMAT =
  'a bearer step must return the access token as a string (e.g. `return token_data["access_token"]`) or an object with a non-empty "access_token" string';

export type BearerExtraction =
  | { ok: true; token: string; from: 'string' | 'access_token' }
  | { ok: false; reason: 'null' | 'empty' | 'error' | 'shape'; message: string };

/** The bearer token in a step result, or why there is none. `step` names the step in messages. */
export function bearerTokenFromResult(result: unknown, step?: string): BearerExtraction {
  const who = step ? `step '${step}'` : 'the step';
  const refuse = (reason: 'null' | 'empty' | 'error' | 'shape', what: string): BearerExtraction => ({
    ok: false,
    reason,
    message: `${who} ${what}: ${TOKEN_RETURN_FORMAT}`,
  });
  if (result === null || result === undefined) return refuse('null', 'returned None/null instead of a token');
  if (typeof result === 'string') {
    return result.trim() === '' ? refuse('empty', 'returned an empty string') : { ok: true, token: result, from: 'string' };
  }
  if (typeof result !== 'object' || Array.isArray(result)) {
    return refuse('shape', `returned ${Array.isArray(result) ? 'a list' : `a ${typeof result}`}, not a token`);
  }
  const o = result as Record<string, unknown>;
  if (isErrorObject(o)) {
    const detail = typeof o.error === 'string' ? ` (${truncate(o.error)})` : '';
    return refuse('error', `returned an error object${detail}`);
  }
  if ('access_token' in o) {
    const token = o.access_token;
    if (typeof token === 'string' && token.trim() !== '') return { ok: true, token, from: 'access_token' };
    return refuse('empty', 'returned an object whose "access_token" is not a non-empty string');
  }
  const keys = Object.keys(o);
  return refuse('shape', `returned an object without "access_token" (keys: ${keys.length ? keys.slice(0, 8).join(', ') : 'none'})`);
}

/** The seeds' error convention: `{"error": "...", "status": "failed"}`. */
function isErrorObject(o: Record<string, unknown>): boolean {
  const error = o.error;
  if (error !== undefined && error !== null && error !== false && error !== '') return true;
  return typeof o.status === 'string' && /^(failed|failure|error)$/i.test(o.status);
}

function truncate(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ');
  return oneLine.length > 80 ? `${oneLine.slice(0, 77)}...` : oneLine;
}
