/**
 * The linter as a library (re-exported by src/lib.ts): lint files, folders and stdin as
 * `noetl lint` does (lintPaths), or a playbook's text (lintText); read the rules and the config,
 * format findings, and check credential references.
 */
export { lintPaths, LintPathsError, type LintPathsOptions, type LintPathsResult, type LintedInput } from './paths.js';
export { lintText, lintDocuments, type LintOptions } from './lint.js';
export { DSL_SCOPE, dslOf, type Dsl, type DslVersion } from './dsl.js';
export { RULES, RULES_BY_ID } from './rules/index.js';
export type { Finding, Rule, Severity } from './types.js';
export { configFor, findConfigFile, parseConfig, type LintConfig } from './config.js';
export { formatText } from './format/text.js';
export { formatCompact } from './format/compact.js';
export { formatJson, toJsonFindings, type JsonFinding } from './format/json.js';
export { formatGithub } from './format/github.js';
export { formatSarif, toSarif } from './format/sarif.js';
export { credentialReferences, checkCredentials, type MissingCredentials } from './credentials.js';
