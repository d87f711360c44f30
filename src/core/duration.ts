/** Durations as users write them (`90s`, `30m`, `24h`, `7d`) and as tables show them ("in 23m"). */
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** Seconds in `90s`, `30m`, `24h`, `7d`, `2w`, or a bare number of seconds; undefined when malformed or not positive. */
export function parseDuration(text: string): number | undefined {
  const match = /^\s*(\d+)\s*([smhdw]?)\s*$/.exec(text);
  if (!match) return undefined;
  const seconds = Number(match[1]) * UNIT_SECONDS[match[2] || 's'];
  return Number.isSafeInteger(seconds) && seconds > 0 ? seconds : undefined;
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
