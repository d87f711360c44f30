/**
 * The engine: parse a file (every YAML document, keeping positions), turn parser errors into
 * findings, run every enabled rule on each playbook document, apply suppressions.
 */
import { parseAllDocuments, type Document } from 'yaml';
import { isPlaybookRoot, readPlaybook, type Playbook } from './playbook.js';
import { RULES, RULES_BY_ID } from './rules/index.js';
import { SourceFile } from './source.js';
import { isSuppressed, readSuppressions } from './suppress.js';
import type { Finding, Severity, Span } from './types.js';

/** A rule's effective severity, or 'off'; from .noetl-lint.yaml. */
export type SeverityOverride = (ruleId: string) => Severity | 'off' | undefined;

export interface LintOptions {
  severity?: SeverityOverride;
}

/** Parser messages carry "at line X, column Y" and a source excerpt: the finding has both already. */
function parserMessage(message: string): string {
  return message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '').replace(/:$/, '');
}

/**
 * Two parser errors playbook authors meet most, pointed at their cause: an unquoted value that
 * starts with `{{` (YAML reads a flow mapping), and a quote that is never closed (the parser
 * notices only at the end of the file).
 */
function explainParserError(source: SourceFile, pos: [number, number], message: string): { span: Span; message: string } {
  const { text } = source;
  const line = source.position(pos[0]).line;
  const lineStart = source.lineStarts[line - 1];
  const lineText = source.lineText(line);
  const unquoted = /^(\s*(?:-\s+)?[^\s#'"][^:#]*:\s+|\s*-\s+)(\{\{)/.exec(lineText);
  if (unquoted) {
    const at = lineStart + unquoted[1].length;
    return { span: { start: at, end: at + 2 }, message: `${message}: a value that starts with '{{' is read as a YAML mapping; quote the whole value ("{{ … }}")` };
  }
  if (/^Missing closing ["']quote/.test(message)) {
    const quote = message.includes('"quote') ? '"' : "'";
    const opener = new RegExp(`(?:^|[:,\\[{-])[ \\t]*(\\${quote})`, 'gm');
    let at = -1;
    for (let m = opener.exec(text); m !== null && m.index < pos[0]; m = opener.exec(text)) at = m.index + m[0].length - 1;
    if (at >= 0) return { span: { start: at, end: at + 1 }, message: `${message}: the quote opened here is never closed` };
  }
  return { span: { start: pos[0], end: pos[1] }, message };
}

/** Every YAML document of a file, positions kept (never throws for bad YAML: errors are on each document). */
export function parseDocuments(text: string): Document.Parsed[] {
  const docs = parseAllDocuments(text, { keepSourceTokens: true, prettyErrors: false, uniqueKeys: true });
  return Array.isArray(docs) ? (docs as Document.Parsed[]) : [];
}

/** The playbook documents of a file, as lint models. */
export function lintDocuments(source: SourceFile): Playbook[] {
  const out: Playbook[] = [];
  for (const doc of parseDocuments(source.text)) if (isPlaybookRoot(doc.contents)) out.push(readPlaybook(source, doc, doc.contents));
  return out;
}

/** Lints one file's text; `path` is only used in the findings. Never throws on bad input. */
export function lintText(path: string, text: string, options: LintOptions = {}): Finding[] {
  const source = new SourceFile(path, text);
  const findings: Finding[] = [];
  const severityOf = (ruleId: string): Severity | 'off' => options.severity?.(ruleId) ?? RULES_BY_ID.get(ruleId)?.defaultSeverity ?? 'error';
  const add = (ruleId: string, span: Span, message: string) => {
    const severity = severityOf(ruleId);
    if (severity === 'off') return;
    const end = Math.max(span.end, span.start + 1);
    findings.push({ ruleId, severity, message, path, start: source.position(span.start), end: source.position(Math.min(end, Math.max(text.length, span.start + 1))), startOffset: span.start, endOffset: end });
  };
  let docs: Document.Parsed[];
  try {
    docs = parseDocuments(text);
  } catch (e) {
    add('yaml-syntax', { start: 0, end: 1 }, `cannot parse YAML: ${(e as Error).message}`);
    return findings;
  }
  for (const doc of docs) {
    for (const err of doc.errors) {
      if (err.code === 'DUPLICATE_KEY') {
        const key = /^[^:\n]*/.exec(text.slice(err.pos[0]))?.[0].trimEnd() || text.slice(err.pos[0], err.pos[1]);
        add('duplicate-key', { start: err.pos[0], end: err.pos[0] + Math.max(1, key.length) }, `duplicate key ${/^["']/.test(key) ? key : `'${key}'`}: YAML allows a key once per mapping, and only one of the values is used`);
      } else {
        const { span, message } = explainParserError(source, err.pos, parserMessage(err.message));
        add('yaml-syntax', span, message);
      }
    }
    if (!isPlaybookRoot(doc.contents)) continue;
    const playbook = readPlaybook(source, doc, doc.contents);
    for (const rule of RULES) {
      if (severityOf(rule.id) === 'off') continue;
      rule.check({ playbook, report: (span, message) => add(rule.id, span, message) });
    }
  }
  const { suppressions, problems } = readSuppressions(source, (id) => RULES_BY_ID.has(id));
  for (const p of problems) add('invalid-suppression', p.span, p.message);
  const kept = findings.filter((f) => f.ruleId === 'invalid-suppression' || !isSuppressed(suppressions, f.ruleId, f.start.line));
  return sortFindings(kept);
}

export function sortFindings(findings: Finding[]): Finding[] {
  return findings.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.startOffset - b.startOffset || a.ruleId.localeCompare(b.ruleId)));
}
