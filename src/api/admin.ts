/**
 * The admin group of NoetlClient: what only a direct database offers: migrations, database info,
 * master-key rotation and status. Wire types are snake_case (API.md) and are what `-o json` prints.
 */

export interface AppliedMigration {
  version: number;
  name: string;
  file: string;
  sha256: string;
}

export interface MigrateResult {
  schema: string;
  /** The layout found before migrating: "noetl layout", "upstream NoETL 4.x layout, not adopted yet (migrating adopts it)", … */
  layout: string;
  /** The newest migration this build ships. */
  version: number;
  /** What this run applied (empty when the schema was current); in a dry run, what it would apply. */
  applied: AppliedMigration[];
  /** Only in a dry run (nothing written): every statement that would run, in order. */
  sql?: string[];
}

export interface MigrateOptions {
  /** Work out what would run and return its SQL; write nothing. */
  dryRun?: boolean;
}

/** Which layout a schema holds (recognised by its tables and columns). */
export interface SchemaLayoutInfo {
  /** `upstream`: tables an upstream NoETL server created; `foreign`: neither noetl's nor upstream's (migrate refuses it). */
  kind: 'empty' | 'ours' | 'upstream' | 'foreign';
  /** An upstream layout whose baseline is recorded (noetl's tables added). */
  adopted: boolean;
  /** "upstream NoETL 4.x layout, adopted" */
  description: string;
}

export interface MigrationStatus {
  version: number;
  name: string;
  /** `changed`: applied with another sha256 than the file this build ships. */
  status: 'applied' | 'pending' | 'changed';
  /** RFC 3339 UTC, or null while pending. */
  applied_at: string | null;
  sha256: string;
}

export interface DatabaseInfo {
  backend: string;
  /** A data directory, or a connection URL with its password masked. */
  location: string;
  schema: string;
  /** Which layout the schema holds: "noetl layout", "upstream NoETL 4.x layout, adopted", … */
  layout: string;
  /** The highest applied migration, or null when the schema is not initialised. */
  schema_version: number | null;
  pending_migrations: number;
  server_version: string;
}

/** What rotation and key status count: each sealed table, and the keychain's sealed renew_config. */
export type SealedTarget = 'credential' | 'keychain' | 'credential_cache' | 'keychain.renew_config';

export interface RotationCounts {
  total: number;
  rewrapped: number;
  /** Legacy plaintext rows sealed. */
  sealed: number;
  /** Already on the new key. */
  skipped: number;
  /** Rows that open with none of the keys (tampered, or sealed under an unknown key): left as they are. */
  failed: number;
}

export interface RotationProgress extends RotationCounts {
  table: SealedTarget;
  batch: number;
}

export interface RotationFailure {
  table: SealedTarget;
  /** The row's name (credential) or cache key. */
  row: string;
  reason: string;
}

export interface RotateKeyOptions {
  /** A file holding the new master key (base64 of 32 bytes); without it, rows move onto the current key (legacy rows are sealed). */
  newKeyFile?: string;
  /** Rows per transaction (default 100). */
  batchSize?: number;
  /** Called after each committed batch. */
  onBatch?(progress: RotationProgress): void;
}

export interface RotateKeyResult {
  /** The key every record is now on (unless some failed). */
  key: { kid: string; kv: string };
  tables: ({ table: SealedTarget } & RotationCounts)[];
  failures: RotationFailure[];
  /** Where the key used before came from (a file, an environment variable, a keyring entry), when known. */
  previous_key_source: string | null;
  /** The generated default key was replaced with the new one, in this place. */
  replaced_default_key: string | null;
  warnings: string[];
}

export interface KeyStatusRow {
  table: SealedTarget;
  /** `legacy` (plaintext), `unreadable` (neither envelope nor JSON object), or the envelope's provider. */
  provider: string;
  kid: string | null;
  kv: string | null;
  records: number;
  /** The rows are on the current master key; null when no master key is configured. */
  current: boolean | null;
}

export interface AdminApi {
  /** Applies pending migrations, each in a transaction, under an advisory lock; adopts an upstream NoETL schema; refuses a foreign one (conflict) before writing anything. */
  migrate(options?: MigrateOptions): Promise<MigrateResult>;
  /** Applied, pending and changed migrations (of the layout the schema holds). */
  migrationStatus(): Promise<MigrationStatus[]>;
  /** Which layout the schema holds. */
  schemaLayout(): Promise<SchemaLayoutInfo>;
  /** The backend, its location (password masked), the schema version and the server version. */
  databaseInfo(): Promise<DatabaseInfo>;
  /** Re-wraps every sealed record under a new master key (or the current one), sealing legacy rows. */
  rotateKey(options?: RotateKeyOptions): Promise<RotateKeyResult>;
  /** Sealed records per table and master key id/version; works without a master key too. */
  keyStatus(): Promise<KeyStatusRow[]>;
}
