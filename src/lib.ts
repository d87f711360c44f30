export { NoetlError, hasReason, type ErrorCode, type ErrorHint } from './core/errors.js';
/**
 * The library under the `noetl` command: the same operations as typed functions over a
 * Store, for programs that embed noetl (`import { openStore, … } from 'noetl'`).
 */
export type { Store, Queryable, QueryResult, StoreInfo, Backend } from './backends/sql/store.js';
export { openStore, type ConnectionConfig, type OpenOptions } from './backends/sql/connect.js';
export { resolveConnection } from './cli/config.js';
export { migrate, migrationStatus, databaseInfo, loadMigrations } from './backends/sql/migrate.js';
export { seal, open, rewrap, decodeMasterKey, EnvelopeError, type MasterKey, type KeySet } from './core/envelope.js';
export { parseId64 } from './core/ids.js';
export { parseDuration } from './core/duration.js';
export { cacheKey, defaultTtlSeconds, isVisibleTo, refreshMarginSeconds, SCOPE_TYPES, type ScopeType, type ScopeRef } from './core/scope.js';
export { renderTemplate, renderValue, templateRenderer, workloadContext, secret, Secret, MASKED, TemplateError, type RenderOptions } from './core/jinja.js';
export { listCatalog, getCatalogById, getCatalogByPath, type CatalogEntry, type CatalogEntryWithContent } from './backends/sql/catalog.js';
export { registerPlaybook, findCatalogEntry, resolvePlaybookSelector } from './backends/local/catalog.js';
export { listKeychainEntries, keychainStats, purgeExpiredKeychain } from './backends/sql/keychain.js';
export type { KeychainApi, KeychainGetResponse, KeychainGetResult, KeychainListEntry, KeychainStats, RenewConfig } from './api/keychain.js';
export type { TemplatesApi, KeychainResolveRequest, KeychainResolveResult, RenderRequest, RenderResult } from './api/templates.js';
export { keychainCacheKey } from './core/keychain-entry.js';
export { setKeychainEntry, getKeychainEntry, type SetKeychainInput } from './backends/local/keychain-entries.js';
export { renewKeychainEntry, requestToken, renewError } from './backends/local/renew/renew.js';
export { MAX_RESPONSE_BYTES, MAX_REQUEST_TIMEOUT_SECONDS } from './core/endpoint.js';
export { resolveKeychain, type ResolveInput, type ResolveResult } from './backends/local/keychain-resolve.js';
export { readKeychainSection, orderKeychain } from './core/keychain-section.js';
export { defaultProviders, providerEndpoints, type SecretProvider } from './backends/local/renew/providers/index.js';
export {
  setVariable,
  getVariable,
  getVariableRecord,
  getAllVariables,
  listVariables,
  countVariables,
  setBearerToken,
  setBearerTokenFromResult,
  setStepResult,
  deleteVariable,
  cleanupExecution,
  extendContextWithVariables,
} from './backends/local/vars.js';
export { variableStats, type ExecutionVariable, type VariableStatsRows as VariableStats } from './backends/sql/variables.js';
export { mergeVariables, checkVariableName, VARIABLE_TYPES, BASE_CONTEXT_KEYS, type VariableType, type ExtendedContext } from './core/variables.js';
export { parseJsonExact } from './core/json.js';
export { bearerTokenFromResult, TOKEN_RETURN_FORMAT, type BearerExtraction } from './core/bearer.js';
export {
  fetchCredentialWithCache,
  credentialStoreLoader,
  storeTokenInCache,
  getTokenFromCache,
  cleanupExecutionCache,
  purgeExpiredCache,
  listCacheEntries,
  type CachedCredential,
  type CredentialLoader,
  type LoadedCredential,
  type FetchCredentialInput,
  type StoreTokenInput,
} from './backends/local/cache.js';
export { cacheStats, type CacheEntry, type CacheStatsRows as CacheStats } from './backends/sql/cache.js';
export { executionCacheKey, globalCacheKey, EXECUTION_CACHE_TTL_SECONDS, GLOBAL_TOKEN_TTL_SECONDS } from './core/cache.js';
export {
  lintPaths,
  LintPathsError,
  lintText,
  lintDocuments,
  RULES,
  RULES_BY_ID,
  toSarif,
  formatSarif,
  formatJson,
  toJsonFindings,
  formatGithub,
  formatText,
  formatCompact,
  parseConfig,
  configFor,
  findConfigFile,
  credentialReferences,
  checkCredentials,
  type Finding as LintFinding,
  type Rule as LintRule,
  type Severity as LintSeverity,
  type LintOptions,
  type LintPathsOptions,
  type LintPathsResult,
  type MissingCredentials,
  type LintConfig,
  type JsonFinding,
} from './lint/index.js';
export { scanTemplate, templateReferences, hasTemplate, type TemplateScan, type TemplateReference, type TemplateSpan, type TemplateSyntaxError } from './core/templates.js';
export { addCredential, getCredential, findCredential, importCredentials } from './backends/local/credentials.js';
export { readRegistrations, parseRegistration } from './io/registrations.js';
export { prepareCredential, checkRegistrations } from './core/credential-input.js';
export type { CredentialInput, CredentialSummary, Credential, CredentialRegistration, ImportReport, ImportEntry } from './api/credentials.js';
export { validateAgainstSchema, checkSchema, schemaReport, compactToJsonSchema, type SchemaValidation } from './core/schema.js';
export { KNOWN_TYPES, knownTypeWarnings } from './core/credential-types.js';
export { loadKeys, loadKeysWithSource, masterKey, keyFingerprint, readKeyFile } from './backends/sql/keys.js';
export { rotateMasterKey, keyStatus, isOnKey } from './backends/local/key-rotation.js';
