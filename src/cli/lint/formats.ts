/** Output formats of `noetl lint` (its own module: the command tree must not load the linter). */
export const LINT_FORMATS = ['text', 'json', 'sarif', 'github', 'compact'] as const;
export type LintFormat = (typeof LINT_FORMATS)[number];
