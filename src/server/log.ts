/**
 * Structured logs: one JSON object per line on stderr. Callers pass fields they chose (route
 * template, status, ms); nothing here reads a request, so no header, token, query or body can
 * end up in a line by accident.
 */

export const LOG_LEVELS = ['silent', 'error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface ServerLogger {
  error(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  debug(msg: string, fields?: Record<string, unknown>): void;
}

/** A logger writing lines at `level` and above to `write` (stderr's writer in `noetl serve`). */
export function jsonLogger(write: (line: string) => void, level: LogLevel = 'info', clock: () => Date = () => new Date()): ServerLogger {
  const threshold = LOG_LEVELS.indexOf(level);
  const at = (lineLevel: Exclude<LogLevel, 'silent'>) => (msg: string, fields: Record<string, unknown> = {}) => {
    if (threshold < LOG_LEVELS.indexOf(lineLevel)) return;
    write(JSON.stringify({ time: clock().toISOString(), level: lineLevel, msg, ...fields }) + '\n');
  };
  return { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') };
}
