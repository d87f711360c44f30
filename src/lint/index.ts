/**
 * The linter as a library (re-exported by src/lib.ts): lint a playbook's text, read the
 * rules and the config, format findings, and check credential references.
 */
export { lintText, lintDocuments, type LintOptions } from './lint.js';
export { RULES, RULES_BY_ID } from './rules/index.js';
export type { Finding, Rule, Severity } from './types.js';
export { configFor, findConfigFile, parseConfig, type LintConfig } from './config.js';
export { formatText } from './format/text.js';
export { formatCompact } from './format/compact.js';
export { formatJson, toJsonFindings, type JsonFinding } from './format/json.js';
export { formatGithub } from './format/github.js';
export { formatSarif, toSarif } from './format/sarif.js';
export { credentialReferences, checkCredentials } from './credentials.js';
