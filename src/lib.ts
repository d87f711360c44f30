/**
 * The library under the `noetl` command: the same operations as typed functions over a
 * Store, for programs that embed noetl (`import { openStore, … } from 'noetl'`).
 */
export type { Store, Queryable, QueryResult, StoreInfo, Backend } from './store/store.js';
export { openStore, type OpenOptions } from './store/connect.js';
export { resolveConnection, type ConnectionConfig } from './store/config.js';
export { migrate, migrationStatus, databaseInfo, loadMigrations } from './store/migrate.js';
export { seal, open, rewrap, decodeMasterKey, EnvelopeError, type MasterKey, type KeySet } from './core/envelope.js';
export { parseId64 } from './core/ids.js';
export { parseDuration } from './core/duration.js';
