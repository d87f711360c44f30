/**
 * The engine: parse a file (every YAML document, keeping positions), turn parser errors into
 * findings, run every enabled rule on each playbook document, apply suppressions.
 */
import { isPlaybookRoot, readPlaybook, type Playbook } from './playbook.js';
import { RULES, RULES_BY_ID } from './rules/index.js';
import { SourceFile } from './source.js';
import { isSuppressed, readSuppressions } from './suppress.js';
import type { Finding, ReportOptions, Severity, Span } from './types.js';
import { parseYamlDocuments, type YamlDocument } from './yaml-tree.js';

/** A rule's effective severity, or 'off'; from .noetl-lint.yaml. */
export type SeverityOverride = (ruleId: string) => Severity | 'off' | undefined;

export interface LintOptions {
  severity?: SeverityOverride;
}

/**
 * The parser errors playbook authors meet most, pointed at their cause: an unquoted value that
 * starts with `{{` (YAML reads a flow mapping; the parser notices a line later), a quote that is
 * never closed (the parser notices only at the end of the document), and a key indented out of
 * line with its mapping.
 */
function explainParserError(source: SourceFile, offset: number, message: string): { span: Span; message: string } {
  const { text } = source;
  // The parser notices an unquoted `{{` at the start of a later line: look at the last line with content before it.
  let line = source.position(offset).line;
  if (offset === source.lineStarts[line - 1]) line = Math.max(1, line - 1);
  while (line > 1 && source.lineText(line).trim() === '') line--;
  const lineStart = source.lineStarts[line - 1];
  const unquoted = /^(\s*(?:-\s+)?[^\s#'"][^:#]*:\s+|\s*-\s+)(\{\{)/.exec(source.lineText(line));
  if (unquoted) {
    const at = lineStart + unquoted[1].length;
    return { span: { start: at, end: at + 2 }, message: `${message}: a value that starts with '{{' is read as a YAML mapping; quote the whole value ("{{ … }}")` };
  }
  const unclosed = /within a (double|single) quoted scalar/.exec(message);
  if (unclosed) {
    const quote = unclosed[1] === 'double' ? '"' : "'";
    const opener = new RegExp(`(?:^|[:,\\[{-])[ \\t]*(\\${quote})`, 'gm');
    let at = -1;
    for (let m = opener.exec(text); m !== null && m.index < offset; m = opener.exec(text)) at = m.index + m[0].length - 1;
    if (at >= 0) return { span: { start: at, end: at + 1 }, message: `unclosed ${unclosed[1]}-quoted string: the quote opened here is never closed` };
  }
  if (message === 'bad indentation of a mapping entry') {
    // The parser stops at the colon; the mistake is the key's indentation.
    const errorLine = source.position(offset).line;
    const at = source.lineStarts[errorLine - 1] + (/^\s*/.exec(source.lineText(errorLine))?.[0].length ?? 0);
    return { span: { start: at, end: at + 1 }, message: `${message}: align this key with the other keys of its mapping` };
  }
  return { span: { start: offset, end: offset + 1 }, message };
}

/** The playbook documents of a file, as lint models. */
export function lintDocuments(source: SourceFile): Playbook[] {
  const out: Playbook[] = [];
  for (const doc of parseYamlDocuments(source.text)) if (isPlaybookRoot(doc.root)) out.push(readPlaybook(source, doc, doc.root));
  return out;
}

/** Lints one file's text; `path` is only used in the findings. Never throws on bad input. */
export function lintText(path: string, text: string, options: LintOptions = {}): Finding[] {
  return lintFile(path, text, options).findings;
}

/**
 * Lints one file's text and says how many playbook documents it holds: a file with none (and
 * no finding) had nothing to lint, which a run must not count as a pass.
 */
export function lintFile(path: string, text: string, options: LintOptions = {}): { findings: Finding[]; playbooks: number } {
  const source = new SourceFile(path, text);
  const findings: Finding[] = [];
  /** Finding → its construct key (rule and construct), for one finding per construct. */
  const constructs = new Map<Finding, string>();
  const severityOf = (ruleId: string): Severity | 'off' => options.severity?.(ruleId) ?? RULES_BY_ID.get(ruleId)?.defaultSeverity ?? 'error';
  const add = (ruleId: string, span: Span, message: string, extra: ReportOptions = {}) => {
    let severity = severityOf(ruleId);
    if (severity === 'off') return;
    if (extra.uncertain) severity = 'warning';
    const end = Math.max(span.end, span.start + 1);
    const finding: Finding = {
      ruleId,
      severity,
      message: span.note ? `${message} (${span.note})` : message,
      path,
      start: source.position(span.start),
      end: source.position(Math.min(end, Math.max(text.length, span.start + 1))),
      startOffset: span.start,
      endOffset: end,
    };
    findings.push(finding);
    if (extra.construct !== undefined) constructs.set(finding, `${ruleId}\0${extra.construct}`);
  };
  let docs: YamlDocument[];
  try {
    docs = parseYamlDocuments(text);
  } catch (e) {
    add('yaml-syntax', { start: 0, end: 1 }, `cannot parse YAML: ${(e as Error).message}`);
    return { findings, playbooks: 0 };
  }
  let playbooks = 0;
  for (const doc of docs) {
    if (doc.error) {
      const { span, message } = explainParserError(source, doc.error.offset, doc.error.message);
      add('yaml-syntax', span, message);
    }
    for (const { ignored, kept } of doc.duplicateKeys) {
      const name = text.slice(ignored.range[0], ignored.range[1]);
      const shown = /^["']/.test(name) ? name : `'${name}'`;
      add('duplicate-key', { start: ignored.range[0], end: ignored.range[1] }, `duplicate key ${shown}: NoETL reads the last one (line ${source.position(kept.range[0]).line}) and ignores this value; merge them or remove one`);
    }
    if (!isPlaybookRoot(doc.root)) continue;
    playbooks++;
    const playbook = readPlaybook(source, doc, doc.root);
    for (const rule of RULES) {
      if (severityOf(rule.id) === 'off') continue;
      rule.check({ playbook, report: (span, message, extra) => add(rule.id, span, message, extra) });
    }
  }
  const { suppressions, problems } = readSuppressions(source, (id) => RULES_BY_ID.has(id));
  for (const p of problems) add('invalid-suppression', p.span, p.message);
  const kept = findings.filter((f) => f.ruleId === 'invalid-suppression' || !isSuppressed(suppressions, f.ruleId, f.start.line));
  return { findings: onePerConstruct(sortFindings(kept), constructs), playbooks };
}

/**
 * One finding per construct and rule (an unknown name used six times is one mistake): the first,
 * saying how many more uses there are. Suppressed findings are gone already, so a suppressed
 * first use leaves the next one reported.
 */
function onePerConstruct(sorted: Finding[], constructs: Map<Finding, string>): Finding[] {
  if (constructs.size === 0) return sorted;
  const first = new Map<string, Finding>();
  const more = new Map<Finding, number>();
  const out: Finding[] = [];
  for (const f of sorted) {
    const key = constructs.get(f);
    if (key === undefined) {
      out.push(f);
      continue;
    }
    const at = first.get(key);
    if (at === undefined) {
      first.set(key, f);
      out.push(f);
    } else more.set(at, (more.get(at) ?? 0) + 1);
  }
  for (const [f, n] of more) f.message += ` (and ${n} more use${n === 1 ? '' : 's'} in this file)`;
  return out;
}

export function sortFindings(findings: Finding[]): Finding[] {
  return findings.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.startOffset - b.startOffset || a.ruleId.localeCompare(b.ruleId)));
}
