/**
 * The sealed columns of every table, for master-key rotation and key status: rows in primary-key
 * order, in batches, and the updates of one row's sealed values. What to write (re-wrapping,
 * sealing) is src/backends/local/key-rotation.ts's.
 */
import type { SealedTarget } from '../../api/admin.js';
import type { Queryable } from './store.js';

export interface SealedTable {
  table: 'credential' | 'keychain' | 'credential_cache';
  /** The primary key as text, and how to compare it with the last one seen. */
  key: string;
  after: string;
  /** How a row is named in messages. */
  label: string;
  /** The table also has a sealed renew_config JSONB column (keychain). */
  renewConfig?: boolean;
}

export type { SealedTarget };
export const RENEW_CONFIG = 'keychain.renew_config' satisfies SealedTarget;

export const SEALED_TABLES: SealedTable[] = [
  { table: 'credential', key: 'id::text', after: 'id > $1::bigint', label: 'name' },
  { table: 'keychain', key: 'cache_key', after: 'cache_key > $1', label: 'cache_key', renewConfig: true },
  { table: 'credential_cache', key: 'cache_key', after: 'cache_key > $1', label: 'cache_key' },
];

/** One row's sealed values: its key as text (`k`), its name for messages, its data, and (keychain) its renew_config column. */
export interface SealedRow {
  k: string;
  label: string;
  data_encrypted: string;
  renew_config?: unknown;
}

export async function countRows(db: Queryable, t: SealedTable): Promise<number> {
  return Number((await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${t.table}`)).rows[0].n);
}

/** Rows whose renew_config holds something (keychain). */
export async function countRenewConfigs(db: Queryable, t: SealedTable): Promise<number> {
  const { rows } = await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${t.table} WHERE renew_config IS NOT NULL AND renew_config <> 'null'::jsonb`);
  return Number(rows[0].n);
}

/** Up to `limit` rows after the key `after` (null: from the first), in key order; `forUpdate` locks them until the transaction ends. */
export async function selectSealedRows(db: Queryable, t: SealedTable, after: string | null, limit: number, options: { forUpdate?: boolean } = {}): Promise<SealedRow[]> {
  const { rows } = await db.query<SealedRow>(
    `SELECT ${t.key} AS k, ${t.label} AS label, data_encrypted${t.renewConfig ? ', renew_config' : ''} FROM ${t.table}
     WHERE ($1::text IS NULL OR ${t.after.replace('$1', '$1::text')}) ORDER BY ${orderColumn(t)} LIMIT $2${options.forUpdate ? ' FOR UPDATE' : ''}`,
    [after, limit],
  );
  return rows;
}

function orderColumn(t: SealedTable): string {
  return t.key === 'id::text' ? 'id' : t.key;
}

function whereKey(t: SealedTable): string {
  return t.key === 'id::text' ? 'id = $2::bigint' : `${t.key} = $2`;
}

export async function updateSealedData(tx: Queryable, t: SealedTable, k: string, stored: string): Promise<void> {
  await tx.query(`UPDATE ${t.table} SET data_encrypted = $1 WHERE ${whereKey(t)}`, [stored, k]);
}

export async function updateRenewConfig(tx: Queryable, t: SealedTable, k: string, value: unknown): Promise<void> {
  await tx.query(`UPDATE ${t.table} SET renew_config = $1::jsonb WHERE ${whereKey(t)}`, [JSON.stringify(value), k]);
}
