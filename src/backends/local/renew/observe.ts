/**
 * Who wants to hear of the token requests made while a piece of work runs (a server counting
 * them for its metrics), per async context: two servers in one process, or two requests in one
 * server, each see only their own.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** ok: the endpoint answered 2xx; failed: another status, or no answer (unreachable, timeout). */
export type TokenRequestOutcome = 'ok' | 'failed';

const observers = new AsyncLocalStorage<(outcome: TokenRequestOutcome) => void>();

/** Runs `work`, telling `observer` of every token request it sends. */
export function observeTokenRequests<T>(observer: (outcome: TokenRequestOutcome) => void, work: () => Promise<T>): Promise<T> {
  return observers.run(observer, work);
}

/** Called by the one place token requests are sent (renew.ts requestToken). */
export function noteTokenRequest(outcome: TokenRequestOutcome): void {
  observers.getStore()?.(outcome);
}
