/**
 * The linter as a library (re-exported by src/lib.ts): lint a playbook's text, read the
 * rules, format findings, and scan Jinja templates with positions.
 */
export { lintText, lintDocuments, sortFindings, type LintOptions, type SeverityOverride } from './lint.js';
export { parseYamlDocuments, type YamlDocument, type YamlNode } from './yaml-tree.js';
export { RULES, RULES_BY_ID } from './rules/index.js';
export type { Finding, Rule, Severity, Span } from './types.js';
export { SourceFile, scalarValueMap, type Position } from './source.js';
export { readPlaybook, isPlaybookRoot, type Playbook, type Step, type KeychainEntry, type TemplateString } from './playbook.js';
export { configFor, findConfigFile, parseConfig, isIgnored, ConfigError, type LintConfig } from './config.js';
export { formatText } from './format/text.js';
export { formatCompact } from './format/compact.js';
export { formatJson, toJsonFindings, type JsonFinding } from './format/json.js';
export { formatGithub } from './format/github.js';
export { formatSarif, toSarif } from './format/sarif.js';
export { credentialReferences, checkCredentials, type CredentialReference } from './credentials.js';
export { scanTemplate, templateReferences, hasTemplate, type TemplateScan, type TemplateReference, type TemplateSpan, type TemplateSyntaxError, type ReferenceSegment } from '../core/templates.js';
