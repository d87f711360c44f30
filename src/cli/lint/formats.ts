/** Output formats of `noetl lint` (its own module: the command tree must not load the linter). */
import { usageError } from '../../core/errors.js';
import type { OutputFormat } from '../output.js';

export const LINT_FORMATS = ['text', 'json', 'yaml', 'sarif', 'github', 'compact'] as const;
export type LintFormat = (typeof LINT_FORMATS)[number];

/** The lint format each global `-o` asks for: the table of other commands is lint's text. */
const FORMAT_OF_OUTPUT: Record<OutputFormat, LintFormat> = { table: 'text', json: 'json', yaml: 'yaml' };

/**
 * The format of one run, from `--format`, the global `-o` (when given) and the hidden,
 * deprecated `-f FORMAT` (`-f` means a file everywhere else): two that disagree are a usage
 * error, never one silently ignored.
 */
export function chooseLintFormat(given: { format?: LintFormat; legacyF?: LintFormat; output?: OutputFormat }): LintFormat {
  const asked: [string, LintFormat][] = [];
  if (given.format !== undefined) asked.push([`--format ${given.format}`, given.format]);
  if (given.legacyF !== undefined) asked.push([`-f ${given.legacyF}`, given.legacyF]);
  if (given.output !== undefined) asked.push([`-o ${given.output}`, FORMAT_OF_OUTPUT[given.output]]);
  const conflict = asked.find(([, f]) => f !== asked[0][1]);
  if (conflict) throw usageError(`${asked[0][0]} and ${conflict[0]} ask for two different formats: give one (--format ${LINT_FORMATS.join('|')})`);
  return asked[0]?.[1] ?? 'text';
}
