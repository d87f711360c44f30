/**
 * Which layout a schema holds: noetl's own (its migrations' ledger), an upstream NoETL 4.x
 * layout (the tables a NoETL server created, UPSTREAM-SCHEMA.md), nothing yet, or something
 * else. Recognised by tables and columns, never by a name alone. The repositories ask
 * `storeLayout` (detected once per store) where a difference matters (variables in
 * `transient`, the catalog's `kind`); the local client never does.
 */
import type { Queryable, Store } from './store.js';

export type LayoutKind = 'empty' | 'ours' | 'upstream' | 'foreign';

export interface SchemaLayout {
  kind: LayoutKind;
  /** An upstream layout whose baseline is recorded in the ledger (noetl's tables added). */
  adopted: boolean;
  /** One line for people: "upstream NoETL 4.x layout, adopted". */
  description: string;
  /** Foreign: what an upstream layout would have and this schema lacks (`transient`, `catalog.payload`). */
  missing: string[];
  /** The ledger's rows (noetl's `schema_migrations`), or undefined when the schema has none. */
  ledger?: LedgerRow[];
}

export interface LedgerRow {
  version: number;
  name: string;
  sha256: string;
  applied_at: Date;
}

export const LEDGER = 'schema_migrations';
const LEDGER_COLUMNS = ['version', 'name', 'sha256', 'applied_at'];
/** The ledger name of the migration that adopts an upstream schema (it stands in for 0001). */
export const UPSTREAM_BASELINE = 'upstream_baseline';

/** The tables and columns of an upstream NoETL 4.x schema that noetl reads and writes. */
const UPSTREAM_TABLES: Readonly<Record<string, readonly string[]>> = {
  resource: ['name'],
  catalog: ['catalog_id', 'path', 'version', 'kind', 'content', 'layout', 'payload', 'meta', 'created_at'],
  credential: ['id', 'name', 'type', 'data_encrypted', 'schema', 'meta', 'tags', 'description', 'created_at', 'updated_at'],
  keychain: [
    'cache_key', 'keychain_name', 'catalog_id', 'credential_type', 'cache_type', 'scope_type', 'execution_id', 'parent_execution_id',
    'data_encrypted', 'schema', 'expires_at', 'created_at', 'accessed_at', 'access_count', 'auto_renew', 'renew_config',
  ],
  transient: ['execution_id', 'var_name', 'var_type', 'var_value', 'source_step', 'created_at', 'accessed_at', 'access_count', 'expires_at', 'scope'],
};

/** Reads the schema's tables and columns (pg_catalog: one quick query) and its ledger, and names the layout. */
export async function detectLayout(db: Queryable, schema: string): Promise<SchemaLayout> {
  const { rows } = await db.query<{ table_name: string; column_name: string | null }>(
    `SELECT c.relname AS table_name, a.attname AS column_name
     FROM pg_class c
     JOIN pg_namespace n ON n.oid = c.relnamespace
     LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
     WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')`,
    [schema],
  );
  const tables = new Map<string, Set<string>>();
  for (const r of rows) {
    if (!tables.has(r.table_name)) tables.set(r.table_name, new Set());
    if (r.column_name) tables.get(r.table_name)!.add(r.column_name);
  }
  const missing = Object.entries(UPSTREAM_TABLES).flatMap(([table, columns]) => {
    const have = tables.get(table);
    return have ? columns.filter((c) => !have.has(c)).map((c) => `${table}.${c}`) : [table];
  });
  const upstream = missing.length === 0;

  const ledgerColumns = tables.get(LEDGER);
  const ledgerOurs = ledgerColumns !== undefined && LEDGER_COLUMNS.every((c) => ledgerColumns.has(c));
  const ledger = ledgerOurs
    ? (await db.query<LedgerRow>(`SELECT version, name, sha256, applied_at FROM "${schema}".${LEDGER} ORDER BY version`)).rows
    : undefined;
  const layout = (kind: LayoutKind, adopted: boolean, description: string): SchemaLayout => ({ kind, adopted, description, missing: [], ledger });

  if (upstream) {
    const adopted = ledger?.find((r) => Number(r.version) === 1)?.name === UPSTREAM_BASELINE;
    return layout('upstream', adopted, adopted ? 'upstream NoETL 4.x layout, adopted' : 'upstream NoETL 4.x layout, not adopted yet (migrating adopts it)');
  }
  if (ledger?.length) return layout('ours', false, 'noetl layout');
  // Nothing, or only an empty ledger (left by an interrupted first migrate): a schema to create.
  if (tables.size === 0 || (ledger && tables.size === 1)) return layout('empty', false, 'empty schema: noetl creates its layout');
  return { kind: 'foreign', adopted: false, description: 'neither a noetl nor an upstream NoETL 4.x layout', missing };
}

const detected = new WeakMap<Store, Promise<'ours' | 'upstream'>>();

/**
 * Where this store's rows live: 'upstream' on an upstream NoETL layout, else 'ours'. Detected
 * once per store, on first use (outside any transaction: the embedded store has one connection).
 */
export function storeLayout(store: Store): Promise<'ours' | 'upstream'> {
  let layout = detected.get(store);
  if (!layout) {
    layout = detectLayout(store, store.info.schema).then((l) => (l.kind === 'upstream' ? 'upstream' : 'ours'));
    layout.catch(() => detected.delete(store));
    detected.set(store, layout);
  }
  return layout;
}

/** After a migration the layout may have changed (an empty schema became ours): detect again next time. */
export function forgetLayout(store: Store): void {
  detected.delete(store);
}
