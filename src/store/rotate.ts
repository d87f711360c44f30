/**
 * Master-key rotation (ENCRYPTION.md "Rotation") across every sealed table: each record's
 * data key is re-wrapped under the new master key (`dek` changes, `ct` stays
 * byte-identical); legacy plaintext rows are sealed. Rows go in primary-key order, in
 * batches, each batch one transaction, so a rotation killed midway leaves every row
 * readable with the old key or the new one, and running it again finishes the job.
 */
import { classifyStored, EnvelopeError, rewrap, type KeySet, type MasterKey } from '../core/envelope.js';
import type { Queryable, Store } from './store.js';

export interface SealedTable {
  table: 'credential' | 'keychain' | 'credential_cache';
  /** The primary key as text, and how to compare it with the last one seen. */
  key: string;
  after: string;
  /** How a row is named in messages. */
  label: string;
}

export const SEALED_TABLES: SealedTable[] = [
  { table: 'credential', key: 'id::text', after: 'id > $1::bigint', label: "name" },
  { table: 'keychain', key: 'cache_key', after: 'cache_key > $1', label: 'cache_key' },
  { table: 'credential_cache', key: 'cache_key', after: 'cache_key > $1', label: 'cache_key' },
];

export interface TableCounts {
  total: number;
  rewrapped: number;
  /** Legacy plaintext rows sealed. */
  sealed: number;
  /** Already on the new key. */
  skipped: number;
  /** Rows that open with none of the keys (tampered, or sealed under an unknown key): left as they are. */
  failed: number;
}

export interface RotateProgress extends TableCounts {
  table: SealedTable['table'];
  batch: number;
}

export interface RotateFailure {
  table: SealedTable['table'];
  /** The row's name (credential) or cache key. */
  row: string;
  reason: string;
}

export interface RotateResult {
  tables: Record<SealedTable['table'], TableCounts>;
  failures: RotateFailure[];
}

export interface RotateOptions {
  /** Rows per transaction (default 100). */
  batchSize?: number;
  /** Called after each committed batch. */
  onBatch?(progress: RotateProgress): void;
}

/** Whether a sealed value is already wrapped by `key` (same provider and key fingerprint). */
export function isOnKey(stored: string, key: MasterKey): boolean {
  try {
    const form = classifyStored(stored);
    return form.kind === 'envelope' && form.envelope.dek.p === key.provider && form.envelope.dek.kv === key.kv;
  } catch {
    return false;
  }
}

/**
 * Re-wraps every sealed row under `to`. `keys` are the keys rows may be on now (the current
 * one and any previous ones); rows already on `to` are skipped.
 */
export async function rotateMasterKey(store: Store, keys: KeySet, to: MasterKey, options: RotateOptions = {}): Promise<RotateResult> {
  const batchSize = options.batchSize ?? 100;
  const opening: KeySet = { current: to, previous: [keys.current, ...keys.previous].filter((k) => k.kv !== to.kv) };
  const result: RotateResult = { tables: {} as RotateResult['tables'], failures: [] };
  for (const t of SEALED_TABLES) {
    const total = Number((await store.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${t.table}`)).rows[0].n);
    const counts: TableCounts = { total, rewrapped: 0, sealed: 0, skipped: 0, failed: 0 };
    result.tables[t.table] = counts;
    let after: string | null = null;
    for (let batch = 1; ; batch++) {
      const last: string | null = await store.transaction((tx) => rotateBatch(tx, t, after, batchSize, opening, to, counts, result.failures));
      if (last === null) break;
      after = last;
      options.onBatch?.({ table: t.table, batch, ...counts });
    }
  }
  return result;
}

async function rotateBatch(
  tx: Queryable,
  t: SealedTable,
  after: string | null,
  batchSize: number,
  keys: KeySet,
  to: MasterKey,
  counts: TableCounts,
  failures: RotateFailure[],
): Promise<string | null> {
  const rows = await tx.query<{ k: string; label: string; data_encrypted: string }>(
    `SELECT ${t.key} AS k, ${t.label} AS label, data_encrypted FROM ${t.table}
     WHERE ($1::text IS NULL OR ${t.after.replace('$1', '$1::text')}) ORDER BY ${t.key === 'id::text' ? 'id' : t.key} LIMIT $2 FOR UPDATE`,
    [after, batchSize],
  );
  if (rows.rows.length === 0) return null;
  for (const row of rows.rows) {
    if (isOnKey(row.data_encrypted, to)) {
      counts.skipped++;
      continue;
    }
    let next: string | undefined;
    let legacy = false;
    try {
      legacy = classifyStored(row.data_encrypted).kind === 'legacy';
      next = rewrap(row.data_encrypted, keys, to);
    } catch (err) {
      if (!(err instanceof EnvelopeError)) throw err;
      counts.failed++;
      failures.push({ table: t.table, row: row.label, reason: err.message });
      continue;
    }
    if (next === undefined) {
      counts.skipped++;
      continue;
    }
    const where = t.key === 'id::text' ? 'id = $2::bigint' : `${t.key} = $2`;
    await tx.query(`UPDATE ${t.table} SET data_encrypted = $1 WHERE ${where}`, [next, row.k]);
    if (legacy) counts.sealed++;
    else counts.rewrapped++;
  }
  return rows.rows[rows.rows.length - 1].k;
}

export interface KeyStatusRow {
  table: SealedTable['table'];
  /** `legacy` (plaintext), `unreadable` (neither envelope nor JSON object), or the envelope's provider. */
  provider: string;
  kid: string | null;
  kv: string | null;
  records: number;
}

/** Counts sealed rows per table and key id/version, and legacy/unreadable rows. */
export async function keyStatus(store: Store, batchSize = 1000): Promise<KeyStatusRow[]> {
  const out: KeyStatusRow[] = [];
  for (const t of SEALED_TABLES) {
    const groups = new Map<string, KeyStatusRow>();
    let after: string | null = null;
    for (;;) {
      const rows: { k: string; data_encrypted: string }[] = (
        await store.query<{ k: string; data_encrypted: string }>(
          `SELECT ${t.key} AS k, data_encrypted FROM ${t.table} WHERE ($1::text IS NULL OR ${t.after.replace('$1', '$1::text')})
           ORDER BY ${t.key === 'id::text' ? 'id' : t.key} LIMIT $2`,
          [after, batchSize],
        )
      ).rows;
      if (rows.length === 0) break;
      for (const row of rows) {
        let group: Omit<KeyStatusRow, 'records' | 'table'>;
        try {
          const form = classifyStored(row.data_encrypted);
          group = form.kind === 'legacy' ? { provider: 'legacy', kid: null, kv: null } : { provider: form.envelope.dek.p, kid: form.envelope.dek.kid, kv: form.envelope.dek.kv };
        } catch {
          group = { provider: 'unreadable', kid: null, kv: null };
        }
        const id = `${group.provider}\u0000${group.kid}\u0000${group.kv}`;
        const existing = groups.get(id);
        if (existing) existing.records++;
        else groups.set(id, { table: t.table, ...group, records: 1 });
      }
      after = rows[rows.length - 1].k;
    }
    out.push(...[...groups.values()].sort((a, b) => b.records - a.records || `${a.provider}/${a.kid}/${a.kv}`.localeCompare(`${b.provider}/${b.kid}/${b.kv}`)));
  }
  return out;
}
