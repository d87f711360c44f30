/**
 * Where a request that carries credentials may go (token endpoints, secret managers): pure
 * URL checks shared by input validation (a renew_config) and the HTTP client that sends it
 * (src/backends/local/renew/http.ts). Messages name origins and paths, never queries or user info.
 */

/** The largest response body read from a token endpoint or secret manager. */
export const MAX_RESPONSE_BYTES = 1024 * 1024;
/** The longest a request may wait (renew_config.timeout_seconds, a timeout option); past 2^31 ms timers misfire. */
export const MAX_REQUEST_TIMEOUT_SECONDS = 600;

/** Where a request goes, fit for a message: origin and path, no query, no user info. */
export function describeEndpoint(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

/** 127.0.0.0/8 (also IPv4-mapped), ::1 and localhost: traffic that never leaves the machine. */
function isLoopback(url: URL): boolean {
  const host = url.hostname.toLowerCase();
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host === '[::1]' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) ||
    /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(host)
  );
}

/** Why `url` may not carry credentials, or undefined: http:// beyond loopback needs an explicit allowance. */
export function insecureEndpointProblem(url: URL, allowInsecureHttp: boolean): string | undefined {
  if (url.protocol !== 'http:' || allowInsecureHttp || isLoopback(url)) return undefined;
  return `endpoint ${describeEndpoint(url)} is plain http:// (credentials would cross the network in the clear): use https://, or set allow_insecure_http: true`;
}
