/**
 * The gateway session a command uses: the URL from --gateway, NOETL_GATEWAY_URL or the stored
 * login; the token from NOETL_SESSION_TOKEN or the stored login of the current context.
 */
import { NoetlError } from '../../core/errors.js';
import { Gateway } from './gateway.js';
import { baseUrl } from './http.js';

export interface GatewayChoice {
  /** --gateway URL, when given. */
  gateway?: string;
}

/** The gateway URL to use, without a session: the flag, then NOETL_GATEWAY_URL, then `stored`. */
export function gatewayUrl(choice: GatewayChoice, env: NodeJS.ProcessEnv, stored?: string): URL {
  if (choice.gateway) return baseUrl(choice.gateway, '--gateway');
  if (env.NOETL_GATEWAY_URL) return baseUrl(env.NOETL_GATEWAY_URL, 'NOETL_GATEWAY_URL');
  if (stored) return baseUrl(stored, 'the stored gateway URL');
  throw new NoetlError('invalid', 'no gateway given', { hint: { option: 'gateway', text: 'URL (or set NOETL_GATEWAY_URL), e.g. --gateway http://127.0.0.1:8090' } });
}

/** A gateway client with the session token of this run; unauthenticated (exit 1) when there is none. */
export async function sessionGateway(choice: GatewayChoice, env: NodeJS.ProcessEnv): Promise<Gateway> {
  const token = env.NOETL_SESSION_TOKEN;
  if (!token) throw new NoetlError('unauthenticated', 'not logged in to a gateway', { hint: { command: 'auth login', text: '(or set NOETL_SESSION_TOKEN)' } });
  return new Gateway(gatewayUrl(choice, env), token);
}
