import type { Playbook } from './playbook.js';
import type { Position } from './source.js';

export type Severity = 'error' | 'warning';

/** Severity order for --fail-level: a finding fails the run when its rank is ≥ the level's. */
export const severityRank = (s: Severity): number => (s === 'error' ? 2 : 1);

export interface Finding {
  ruleId: string;
  severity: Severity;
  message: string;
  /** The path as the user named it. */
  path: string;
  start: Position;
  end: Position;
  /** File offsets of the span [startOffset, endOffset). */
  startOffset: number;
  endOffset: number;
}

/** A span in the file, as rules report it: file offsets [start, end). */
export interface Span {
  start: number;
  end: number;
  /** Where the finding really is when the span cannot say (a decoded value): added to the message. */
  note?: string;
}

export interface ReportOptions {
  /**
   * What the finding is about (an unknown name, key or entry): a file gets one finding per
   * construct and rule, at its first place, saying how many more there are.
   */
  construct?: string;
  /** Not sure it is a mistake (a DSL version lint does not know): reported as a warning at most. */
  uncertain?: boolean;
}

export interface RuleContext {
  playbook: Playbook;
  report(span: Span, message: string, options?: ReportOptions): void;
}

export interface Rule {
  /** kebab-case id used in output, suppressions and config. */
  id: string;
  defaultSeverity: Severity;
  /** One line for --list-rules. */
  summary: string;
  /** Full documentation for --explain: what, why, and an example of the fix. */
  docs: string;
  check(ctx: RuleContext): void;
}
