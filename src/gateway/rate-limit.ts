/**
 * Login attempts per key (a client IP, a user) in a fixed window, on the gateway's clock (tests
 * move it instead of sleeping). In memory, per process: a replica behind a load balancer limits
 * its own share, which is what a limit against guessing needs.
 */
import { NoetlError } from '../core/errors.js';

/** A refused attempt (HTTP 429): how long until the key's window ends, for the answer's Retry-After. */
export class RateLimitedError extends NoetlError {
  constructor(
    what: string,
    /** Whole seconds, at least 1. */
    readonly retryAfterSeconds: number,
  ) {
    super('unavailable', `too many login attempts from this ${what}: retry in ${retryAfterSeconds} s`, { reason: 'rate_limited' });
  }
}

export class LoginRateLimit {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    /** Attempts allowed per key and window; 0 turns the limit off. */
    readonly max: number,
    readonly windowMs: number,
    private readonly now: () => Date,
  ) {}

  /** Counts one attempt; a RateLimitedError (HTTP 429), with the seconds to wait, once the key has had its `max`. */
  hit(key: string, what: string): void {
    if (this.max <= 0) return;
    const now = this.now().getTime();
    if (this.windows.size > 10_000) this.sweep(now);
    const window = this.windows.get(key);
    if (!window || now - window.start >= this.windowMs) {
      this.windows.set(key, { start: now, count: 1 });
      return;
    }
    window.count += 1;
    if (window.count > this.max) {
      throw new RateLimitedError(what, Math.max(1, Math.ceil((window.start + this.windowMs - now) / 1000)));
    }
  }

  private sweep(now: number): void {
    for (const [key, window] of this.windows) if (now - window.start >= this.windowMs) this.windows.delete(key);
  }
}
