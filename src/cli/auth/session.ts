/**
 * The gateway session a command uses: the URL from --gateway, NOETL_GATEWAY_URL or the stored
 * login; the token from NOETL_SESSION_TOKEN or the stored login of the current context.
 */
import { NoetlError } from '../../core/errors.js';
import { Gateway } from './gateway.js';
import { baseUrl } from './http.js';
import { currentContext, loadLogin } from './stored.js';

export interface GatewayChoice {
  /** --gateway URL, when given. */
  gateway?: string;
  /** --context: whose stored login (default: the current context). */
  context?: string;
}

/** The gateway URL to use: the flag, then NOETL_GATEWAY_URL, then `stored` (the login's). */
export function gatewayUrl(choice: GatewayChoice, env: NodeJS.ProcessEnv, stored?: string): URL {
  if (choice.gateway) return baseUrl(choice.gateway, '--gateway');
  if (env.NOETL_GATEWAY_URL) return baseUrl(env.NOETL_GATEWAY_URL, 'NOETL_GATEWAY_URL');
  if (stored) return baseUrl(stored, 'the gateway URL of the stored login');
  throw new NoetlError('invalid', 'no gateway given', { hint: { option: 'gateway', text: 'URL (or set NOETL_GATEWAY_URL), e.g. --gateway http://127.0.0.1:8090' } });
}

/** The session of this run: NOETL_SESSION_TOKEN, else the stored login; unauthenticated (exit 1) when neither. */
export async function currentSession(env: NodeJS.ProcessEnv, contextFlag?: string): Promise<{ token: string; gateway?: string; context: string; source: string }> {
  const context = currentContext(env, contextFlag);
  if (env.NOETL_SESSION_TOKEN) return { token: env.NOETL_SESSION_TOKEN, context, source: 'NOETL_SESSION_TOKEN' };
  const login = await loadLogin(env, context);
  if (!login) throw notLoggedIn(context);
  return { token: login.token, gateway: login.gateway, context, source: login.location };
}

export function notLoggedIn(context: string): NoetlError {
  return new NoetlError('unauthenticated', `not logged in to a gateway (context '${context}')`, { hint: { command: 'auth login --gateway URL', text: '(or set NOETL_SESSION_TOKEN)' } });
}

/** A gateway client with the session token of this run; unauthenticated (exit 1) when there is none. */
export async function sessionGateway(choice: GatewayChoice, env: NodeJS.ProcessEnv): Promise<Gateway> {
  const session = await currentSession(env, choice.context);
  return new Gateway(gatewayUrl(choice, env, session.gateway), session.token);
}
