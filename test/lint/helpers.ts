import { lintText } from '../../src/lint/lint.js';
import type { Finding } from '../../src/lint/types.js';

/** Lints YAML text as `p.yaml`. */
export const lint = (yaml: string): Finding[] => lintText('p.yaml', yaml);

/** `line:col-endLine:endCol message` of one rule's findings. */
export function spans(yaml: string, ruleId: string): string[] {
  return lint(yaml)
    .filter((f) => f.ruleId === ruleId)
    .map((f) => `${f.start.line}:${f.start.col}-${f.end.line}:${f.end.col}`);
}

export function messages(yaml: string, ruleId: string): string[] {
  return lint(yaml)
    .filter((f) => f.ruleId === ruleId)
    .map((f) => f.message);
}

/** The text a finding's span covers (single-line spans). */
export function covered(yaml: string, ruleId: string): string[] {
  const lines = yaml.split('\n');
  return lint(yaml)
    .filter((f) => f.ruleId === ruleId)
    .map((f) => lines[f.start.line - 1].slice(f.start.col - 1, f.end.line === f.start.line ? f.end.col - 1 : undefined));
}
