/** Output formats of `noetl lint` (its own module: the command tree must not load the linter). */
import { invalidError } from '../../core/errors.js';
import type { OutputFormat } from '../output.js';

export const LINT_FORMATS = ['text', 'json', 'sarif', 'github', 'compact'] as const;
export type LintFormat = (typeof LINT_FORMATS)[number];

/** The lint format each global `-o` asks for: the table of other commands is lint's text; lint has no YAML report. */
const FORMAT_OF_OUTPUT: Record<OutputFormat, LintFormat | undefined> = { table: 'text', json: 'json', yaml: undefined };

/**
 * The format of one run, from `--format` and the global `-o` (when given); `-f FORMAT`, once
 * lint's short form of --format, is refused since `-f` means a file everywhere in noetl
 * (CONTRIBUTING.md, flags). A format asked for and not given, or two that disagree, are usage
 * errors: never one silently ignored.
 */
export function chooseLintFormat(given: { format?: LintFormat; legacyF?: string; output?: OutputFormat }): LintFormat {
  if (given.legacyF !== undefined) throw invalidError(`lint has no -f (-f means a file in noetl): give the report format with --format ${given.legacyF}`);
  const fromOutput = given.output === undefined ? undefined : FORMAT_OF_OUTPUT[given.output];
  if (given.output !== undefined && fromOutput === undefined) {
    throw invalidError(`lint has no ${given.output} report: use --format ${LINT_FORMATS.join('|')} (-o json is --format json)`);
  }
  if (given.format !== undefined && fromOutput !== undefined && given.format !== fromOutput) {
    throw invalidError(`--format ${given.format} and -o ${given.output} ask for two different formats: give one`);
  }
  return given.format ?? fromOutput ?? 'text';
}
