/**
 * Login attempts per key (a client IP, a user) in a fixed window, on the gateway's clock (tests
 * move it instead of sleeping). In memory, per process: a replica behind a load balancer limits
 * its own share, which is what a limit against guessing needs.
 */
import { NoetlError } from '../core/errors.js';

export class LoginRateLimit {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    /** Attempts allowed per key and window; 0 turns the limit off. */
    readonly max: number,
    readonly windowMs: number,
    private readonly now: () => Date,
  ) {}

  /** Counts one attempt; unavailable (reason rate_limited: HTTP 429), with the seconds to wait, once the key has had its `max`. */
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
      const retryAfter = Math.max(1, Math.ceil((window.start + this.windowMs - now) / 1000));
      throw new NoetlError('unavailable', `too many login attempts from this ${what}: retry in ${retryAfter} s`, { reason: 'rate_limited' });
    }
  }

  private sweep(now: number): void {
    for (const [key, window] of this.windows) if (now - window.start >= this.windowMs) this.windows.delete(key);
  }
}
