/**
 * Master-key rotation (ENCRYPTION.md "Rotation") across every sealed table: each record's
 * data key is re-wrapped under the new master key (`dek` changes, `ct` stays
 * byte-identical); legacy plaintext rows are sealed. Rows go in primary-key order, in
 * batches, each batch one transaction, so a rotation killed midway leaves every row
 * readable with the old key or the new one, and running it again finishes the job.
 * A keychain row's renew_config (client secrets, sealed in its JSONB column) is re-wrapped
 * in the same transaction as the row's data, and counted as `keychain.renew_config`.
 */
import { classifyStored, EnvelopeError, rewrap, type KeySet, type MasterKey } from '../../core/envelope.js';
import { rewrapRenewConfig, storedRenewConfig } from '../../core/keychain-entry.js';
import type { Queryable, Store } from './store.js';

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

/** What rotation and key-status count: each sealed table, and the keychain's sealed renew_config. */
export type SealedTarget = SealedTable['table'] | typeof RENEW_CONFIG;
export const RENEW_CONFIG = 'keychain.renew_config';

export const SEALED_TABLES: SealedTable[] = [
  { table: 'credential', key: 'id::text', after: 'id > $1::bigint', label: "name" },
  { table: 'keychain', key: 'cache_key', after: 'cache_key > $1', label: 'cache_key', renewConfig: true },
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
  table: SealedTarget;
  batch: number;
}

export interface RotateFailure {
  table: SealedTarget;
  /** The row's name (credential) or cache key. */
  row: string;
  reason: string;
}

export interface RotateResult {
  tables: Record<SealedTarget, TableCounts>;
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
    let renewCounts: TableCounts | undefined;
    if (t.renewConfig) {
      const withConfig = await store.query<{ n: string }>(
        `SELECT count(*)::text AS n FROM ${t.table} WHERE renew_config IS NOT NULL AND renew_config <> 'null'::jsonb`,
      );
      renewCounts = { total: Number(withConfig.rows[0].n), rewrapped: 0, sealed: 0, skipped: 0, failed: 0 };
      result.tables[RENEW_CONFIG] = renewCounts;
    }
    let after: string | null = null;
    for (let batch = 1; ; batch++) {
      const last: string | null = await store.transaction((tx) => rotateBatch(tx, t, after, batchSize, opening, to, counts, renewCounts, result.failures));
      if (last === null) break;
      after = last;
      options.onBatch?.({ table: t.table, batch, ...counts });
      if (renewCounts && renewCounts.total > 0) options.onBatch?.({ table: RENEW_CONFIG, batch, ...renewCounts });
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
  renewCounts: TableCounts | undefined,
  failures: RotateFailure[],
): Promise<string | null> {
  const rows = await tx.query<{ k: string; label: string; data_encrypted: string; renew_config?: unknown }>(
    `SELECT ${t.key} AS k, ${t.label} AS label, data_encrypted${t.renewConfig ? ', renew_config' : ''} FROM ${t.table}
     WHERE ($1::text IS NULL OR ${t.after.replace('$1', '$1::text')}) ORDER BY ${t.key === 'id::text' ? 'id' : t.key} LIMIT $2 FOR UPDATE`,
    [after, batchSize],
  );
  if (rows.rows.length === 0) return null;
  const where = t.key === 'id::text' ? 'id = $2::bigint' : `${t.key} = $2`;
  for (const row of rows.rows) {
    if (renewCounts) await rotateRenewConfig(tx, t, where, row, keys, to, renewCounts, failures);
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
    await tx.query(`UPDATE ${t.table} SET data_encrypted = $1 WHERE ${where}`, [next, row.k]);
    if (legacy) counts.sealed++;
    else counts.rewrapped++;
  }
  return rows.rows[rows.rows.length - 1].k;
}

/** Re-wraps (or seals, when plain) one keychain row's renew_config, inside the batch's transaction. */
async function rotateRenewConfig(
  tx: Queryable,
  t: SealedTable,
  where: string,
  row: { k: string; label: string; renew_config?: unknown },
  keys: KeySet,
  to: MasterKey,
  counts: TableCounts,
  failures: RotateFailure[],
): Promise<void> {
  const stored = storedRenewConfig(row.renew_config);
  if (stored === undefined) return;
  let next: ReturnType<typeof rewrapRenewConfig>;
  try {
    next = isOnKey(stored, to) ? undefined : rewrapRenewConfig(row.renew_config, keys, to);
  } catch (err) {
    if (!(err instanceof EnvelopeError)) throw err;
    counts.failed++;
    failures.push({ table: RENEW_CONFIG, row: row.label, reason: err.message });
    return;
  }
  if (next === undefined) {
    counts.skipped++;
    return;
  }
  await tx.query(`UPDATE ${t.table} SET renew_config = $1::jsonb WHERE ${where}`, [JSON.stringify(next.value), row.k]);
  if (next.legacy) counts.sealed++;
  else counts.rewrapped++;
}

export interface KeyStatusRow {
  table: SealedTarget;
  /** `legacy` (plaintext), `unreadable` (neither envelope nor JSON object), or the envelope's provider. */
  provider: string;
  kid: string | null;
  kv: string | null;
  records: number;
}

/** Counts per key id/version of one table or column, as key-status rows. */
class KeyCounter {
  private readonly groups = new Map<string, KeyStatusRow>();

  constructor(private readonly table: SealedTarget) {}

  add(stored: string): void {
    let group: Omit<KeyStatusRow, 'records' | 'table'>;
    try {
      const form = classifyStored(stored);
      group = form.kind === 'legacy' ? { provider: 'legacy', kid: null, kv: null } : { provider: form.envelope.dek.p, kid: form.envelope.dek.kid, kv: form.envelope.dek.kv };
    } catch {
      group = { provider: 'unreadable', kid: null, kv: null };
    }
    const id = `${group.provider}\u0000${group.kid}\u0000${group.kv}`;
    const existing = this.groups.get(id);
    if (existing) existing.records++;
    else this.groups.set(id, { table: this.table, ...group, records: 1 });
  }

  rows(): KeyStatusRow[] {
    return [...this.groups.values()].sort((a, b) => b.records - a.records || `${a.provider}/${a.kid}/${a.kv}`.localeCompare(`${b.provider}/${b.kid}/${b.kv}`));
  }
}

/** Counts sealed rows per table and key id/version, and legacy/unreadable rows; keychain renew_configs too. */
export async function keyStatus(store: Store, batchSize = 1000): Promise<KeyStatusRow[]> {
  const out: KeyStatusRow[] = [];
  for (const t of SEALED_TABLES) {
    const data = new KeyCounter(t.table);
    const renewConfigs = new KeyCounter(RENEW_CONFIG);
    let after: string | null = null;
    for (;;) {
      const rows: { k: string; data_encrypted: string; renew_config?: unknown }[] = (
        await store.query<{ k: string; data_encrypted: string; renew_config?: unknown }>(
          `SELECT ${t.key} AS k, data_encrypted${t.renewConfig ? ', renew_config' : ''} FROM ${t.table}
           WHERE ($1::text IS NULL OR ${t.after.replace('$1', '$1::text')})
           ORDER BY ${t.key === 'id::text' ? 'id' : t.key} LIMIT $2`,
          [after, batchSize],
        )
      ).rows;
      if (rows.length === 0) break;
      for (const row of rows) {
        data.add(row.data_encrypted);
        const renewConfig = storedRenewConfig(row.renew_config);
        if (renewConfig !== undefined) renewConfigs.add(renewConfig);
      }
      after = rows[rows.length - 1].k;
    }
    out.push(...data.rows(), ...renewConfigs.rows());
  }
  return out;
}
