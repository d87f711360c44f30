/** Durations as users write them (`90s`, `30m`, `24h`, `7d`) and as tables show them ("in 23m"). */
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/**
 * The longest duration accepted, 100 years (36500d): a longer one is a typo, and an expiry that
 * far ahead soon leaves the dates JavaScript can hold (`--ttl 100000000d` made a NaN date).
 */
export const MAX_DURATION_SECONDS = 36_500 * 86_400;

/** A duration's seconds, or why it was refused. */
export type DurationCheck = { seconds: number } | { problem: 'malformed' | 'zero' | 'too-long' };

/** Checks `90s`, `30m`, `24h`, `7d`, `2w` or a bare number of seconds: at most MAX_DURATION_SECONDS, and 0 only when allowed. */
export function checkDuration(text: string, options: { allowZero?: boolean } = {}): DurationCheck {
  const match = /^\s*(\d+)\s*([smhdw]?)\s*$/.exec(text);
  if (!match) return { problem: 'malformed' };
  const seconds = Number(match[1]) * UNIT_SECONDS[match[2] || 's'];
  if (seconds > MAX_DURATION_SECONDS) return { problem: 'too-long' };
  if (seconds === 0 && !options.allowZero) return { problem: 'zero' };
  return { seconds };
}

/** Seconds in `90s`, `30m`, `24h`, `7d`, `2w`, or a bare number of seconds; undefined when malformed, not positive, or over 100 years. */
export function parseDuration(text: string): number | undefined {
  const checked = checkDuration(text);
  return 'seconds' in checked ? checked.seconds : undefined;
}

/** What is wrong with a refused duration, to follow its flag and value in an error. */
export function durationProblem(problem: 'malformed' | 'zero' | 'too-long'): string {
  if (problem === 'too-long') return `is too long: at most ${MAX_DURATION_SECONDS / 86_400}d (100 years)`;
  if (problem === 'zero') return 'must be longer than 0';
  return 'is not a duration: use e.g. 90s, 30m, 24h or 7d';
}

/** The largest whole unit of a span of seconds: `45s`, `23m`, `5h`, `3d`. */
function shortSpan(seconds: number): string {
  const s = Math.abs(Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

/** "in 23m" for a future time, "expired 2h ago" (or "2h ago" with another verb) for a past one. */
export function relativeTime(when: Date, now: Date, pastVerb = 'expired'): string {
  const seconds = (when.getTime() - now.getTime()) / 1000;
  if (seconds > 0) return `in ${shortSpan(seconds)}`;
  return `${pastVerb ? pastVerb + ' ' : ''}${shortSpan(seconds)} ago`;
}
