/**
 * `noetl/sql`: the SQL layer under the local client, for tools that need the database itself
 * (opening a store, migrations, the tables' rows). Programs that use noetl's operations import
 * `createClient` from 'noetl' instead: this layer does no validation, sealing or masking.
 */
export type { Store, Queryable, QueryResult, StoreInfo, Backend } from './backends/sql/store.js';
export { openStore, type OpenOptions, type ConnectionConfig } from './backends/sql/connect.js';
export { migrate, migrationStatus, databaseInfo, loadMigrations } from './backends/sql/migrate.js';
export { detectLayout, type SchemaLayout } from './backends/sql/layout.js';
export { loadKeys, masterKey, keyFingerprint } from './backends/sql/keys.js';
// The repositories, one namespace per table group (their functions are rows in, rows out).
export * as cacheRows from './backends/sql/cache.js';
export * as catalogRows from './backends/sql/catalog.js';
export * as credentialRows from './backends/sql/credential.js';
export * as keychainRows from './backends/sql/keychain.js';
export * as variableRows from './backends/sql/variables.js';
