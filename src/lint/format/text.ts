/** The default format: `path:line:col: severity: message [rule-id]`, the source line, and an underline under the span. */
import type { Finding } from '../types.js';

interface TextStyle {
  color: boolean;
}

const paint = (on: boolean, code: string, s: string) => (on ? `\x1b[${code}m${s}\x1b[0m` : s);

/** The underline for [startCol, endCol) on `line`; tabs before the span are kept so it lines up. */
export function underline(line: string, startCol: number, endCol: number): string {
  const prefix = line.slice(0, startCol - 1).replace(/[^\t]/g, ' ');
  const width = Math.max(1, Math.min(endCol, line.length + 1) - startCol);
  return `${prefix}^${'~'.repeat(width - 1)}`;
}

export function formatText(findings: Finding[], lineOf: (path: string, line: number) => string | undefined, style: TextStyle): string {
  const out: string[] = [];
  for (const f of findings) {
    const sev = f.severity === 'error' ? '31' : '33';
    // The severity in words too: a CI log has no color to tell an error from a warning.
    out.push(`${paint(style.color, '1', `${f.path}:${f.start.line}:${f.start.col}:`)} ${paint(style.color, sev, `${f.severity}:`)} ${f.message} ${paint(style.color, sev, `[${f.ruleId}]`)}`);
    const line = lineOf(f.path, f.start.line);
    if (line === undefined) continue;
    const endCol = f.end.line === f.start.line ? f.end.col : line.length + 1;
    const gutter = String(f.start.line);
    out.push(`${paint(style.color, '2', ` ${gutter} |`)} ${line}`);
    out.push(`${paint(style.color, '2', ` ${' '.repeat(gutter.length)} |`)} ${paint(style.color, sev, underline(line, f.start.col, endCol))}`);
  }
  return out.length > 0 ? `${out.join('\n')}\n` : '';
}
