/**
 * `import … from 'noetl'`: the library. Open a NoetlClient with createClient and call its
 * operations, the same ones the CLI's commands call (README "Library"):
 *
 *   const client = await createClient({ dataDir: './noetl-data' });
 *
 * Results are the API's wire types (snake_case); every failure is a NoetlError with a code.
 * The raw SQL layer is `noetl/sql`.
 */
export { createClient, type CreateClientOptions, type DatabaseOptions, type KeyOptions } from './client.js';
export type * from './api/index.js';
export { NoetlError, hasReason, type ErrorCode, type ErrorHint } from './core/errors.js';
// Pure helpers a caller needs around the operations: 64-bit ids and durations as the API takes them.
export { parseId64 } from './core/ids.js';
export { parseDuration } from './core/duration.js';
// The playbook linter: no database, no client.
export {
  lintPaths,
  LintPathsError,
  lintText,
  RULES,
  formatSarif,
  formatJson,
  formatGithub,
  formatText,
  formatCompact,
  type Finding as LintFinding,
  type Rule as LintRule,
  type Severity as LintSeverity,
  type LintOptions,
  type LintPathsOptions,
  type LintPathsResult,
} from './lint/index.js';
