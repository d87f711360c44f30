/** One line per finding, no source excerpt: `path:line:col: severity: message [rule-id]`. */
import type { Finding } from '../types.js';

export function formatCompact(findings: Finding[]): string {
  return findings.map((f) => `${f.path}:${f.start.line}:${f.start.col}: ${f.severity}: ${f.message} [${f.ruleId}]\n`).join('');
}
