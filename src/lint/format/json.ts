/** Findings as a JSON array, one object per finding, 1-based lines and columns, end exclusive. */
import type { Finding } from '../types.js';

export interface JsonFinding {
  path: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  severity: string;
  rule: string;
  message: string;
}

export function toJsonFindings(findings: Finding[]): JsonFinding[] {
  return findings.map((f) => ({
    path: f.path,
    line: f.start.line,
    column: f.start.col,
    endLine: f.end.line,
    endColumn: f.end.col,
    severity: f.severity,
    rule: f.ruleId,
    message: f.message,
  }));
}

export function formatJson(findings: Finding[]): string {
  return `${JSON.stringify(toJsonFindings(findings), null, 2)}\n`;
}
