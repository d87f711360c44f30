/**
 * Suppression comments: `# noetl-lint-ignore RULE-ID[, RULE-ID…]: reason` silences those
 * rules' findings on the comment's line and on the line below it.
 */
import type { SourceFile } from './source.js';
import type { Span } from './types.js';

export interface Suppression {
  line: number;
  rules: string[];
}

interface SuppressionProblem {
  span: Span;
  message: string;
}

const DIRECTIVE = /#\s*noetl-lint-ignore\b(.*)$/;

export function readSuppressions(source: SourceFile, knownRule: (id: string) => boolean): { suppressions: Suppression[]; problems: SuppressionProblem[] } {
  const suppressions: Suppression[] = [];
  const problems: SuppressionProblem[] = [];
  if (!source.text.includes('noetl-lint-ignore')) return { suppressions, problems };
  const starts = source.lineStarts;
  for (let i = 0; i < starts.length; i++) {
    const line = source.lineText(i + 1);
    const m = DIRECTIVE.exec(line);
    if (!m) continue;
    const at = starts[i] + m.index;
    const span = { start: at, end: starts[i] + line.length };
    const rest = m[1];
    const colon = rest.indexOf(':');
    const ids = (colon < 0 ? rest : rest.slice(0, colon)).split(',').map((s) => s.trim()).filter((s) => s !== '');
    const reason = colon < 0 ? '' : rest.slice(colon + 1).trim();
    if (ids.length === 0) {
      problems.push({ span, message: 'noetl-lint-ignore names no rule; write `# noetl-lint-ignore RULE-ID: reason`' });
      continue;
    }
    const unknown = ids.filter((id) => !knownRule(id));
    if (unknown.length > 0) problems.push({ span, message: `noetl-lint-ignore names unknown rule${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `'${u}'`).join(', ')} (see noetl lint --list-rules)` });
    if (reason === '') problems.push({ span, message: `noetl-lint-ignore ${ids.join(', ')} gives no reason; add one after a colon: \`# noetl-lint-ignore ${ids.join(', ')}: why this does not apply\`` });
    const valid = ids.filter((id) => knownRule(id) && id !== 'invalid-suppression');
    if (valid.length > 0) suppressions.push({ line: i + 1, rules: valid });
  }
  return { suppressions, problems };
}

export function isSuppressed(suppressions: Suppression[], ruleId: string, line: number): boolean {
  return suppressions.some((s) => (s.line === line || s.line === line - 1) && s.rules.includes(ruleId));
}
