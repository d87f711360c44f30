/**
 * Master-key rotation (ENCRYPTION.md "Rotation") across every sealed table: each record's
 * data key is re-wrapped under the new master key (`dek` changes, `ct` stays
 * byte-identical); legacy plaintext rows are sealed. Rows go in primary-key order, in
 * batches, each batch one transaction, so a rotation killed midway leaves every row
 * readable with the old key or the new one, and running it again finishes the job.
 * A keychain row's renew_config (client secrets, sealed in its JSONB column) is re-wrapped
 * in the same transaction as the row's data, and counted as `keychain.renew_config`.
 * Also key status: sealed records counted per key id/version.
 */
import type { KeyStatusRow as KeyStatusWire, RotationCounts, RotationFailure, RotationProgress, SealedTarget } from '../../api/admin.js';
import { classifyStored, EnvelopeError, rewrap, type KeySet, type MasterKey } from '../../core/envelope.js';
import { rewrapRenewConfig, storedRenewConfig } from '../../core/keychain-entry.js';
import {
  countRenewConfigs,
  countRows,
  RENEW_CONFIG,
  SEALED_TABLES,
  selectSealedRows,
  updateRenewConfig,
  updateSealedData,
  type SealedRow,
  type SealedTable,
} from '../sql/rotate.js';
import type { Queryable, Store } from '../sql/store.js';

export interface RotateResult {
  tables: Record<SealedTarget, RotationCounts>;
  failures: RotationFailure[];
}

export interface RotateOptions {
  /** Rows per transaction (default 100). */
  batchSize?: number;
  /** Called after each committed batch. */
  onBatch?(progress: RotationProgress): void;
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

const zero = (total: number): RotationCounts => ({ total, rewrapped: 0, sealed: 0, skipped: 0, failed: 0 });

/**
 * Re-wraps every sealed row under `to`. `keys` are the keys rows may be on now (the current
 * one and any previous ones); rows already on `to` are skipped.
 */
export async function rotateMasterKey(store: Store, keys: KeySet, to: MasterKey, options: RotateOptions = {}): Promise<RotateResult> {
  const batchSize = options.batchSize ?? 100;
  const opening: KeySet = { current: to, previous: [keys.current, ...keys.previous].filter((k) => k.kv !== to.kv) };
  const result: RotateResult = { tables: {} as RotateResult['tables'], failures: [] };
  for (const t of SEALED_TABLES) {
    const counts = zero(await countRows(store, t));
    result.tables[t.table] = counts;
    let renewCounts: RotationCounts | undefined;
    if (t.renewConfig) {
      renewCounts = zero(await countRenewConfigs(store, t));
      result.tables[RENEW_CONFIG] = renewCounts;
    }
    let after: string | null = null;
    for (let batch = 1; ; batch++) {
      const last: string | null = await store.transaction(async (tx) => {
        const rows = await selectSealedRows(tx, t, after, batchSize, { forUpdate: true });
        for (const row of rows) {
          if (renewCounts) await rotateRenewConfig(tx, t, row, opening, to, renewCounts, result.failures);
          await rotateData(tx, t, row, opening, to, counts, result.failures);
        }
        return rows.length ? rows[rows.length - 1].k : null;
      });
      if (last === null) break;
      after = last;
      options.onBatch?.({ table: t.table, batch, ...counts });
      if (renewCounts && renewCounts.total > 0) options.onBatch?.({ table: RENEW_CONFIG, batch, ...renewCounts });
    }
  }
  return result;
}

/** Re-wraps (or seals, when plain) one row's data, inside the batch's transaction. */
async function rotateData(tx: Queryable, t: SealedTable, row: SealedRow, keys: KeySet, to: MasterKey, counts: RotationCounts, failures: RotationFailure[]): Promise<void> {
  if (isOnKey(row.data_encrypted, to)) {
    counts.skipped++;
    return;
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
    return;
  }
  if (next === undefined) {
    counts.skipped++;
    return;
  }
  await updateSealedData(tx, t, row.k, next);
  if (legacy) counts.sealed++;
  else counts.rewrapped++;
}

/** Re-wraps (or seals, when plain) one keychain row's renew_config, inside the batch's transaction. */
async function rotateRenewConfig(tx: Queryable, t: SealedTable, row: SealedRow, keys: KeySet, to: MasterKey, counts: RotationCounts, failures: RotationFailure[]): Promise<void> {
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
  await updateRenewConfig(tx, t, row.k, next.value);
  if (next.legacy) counts.sealed++;
  else counts.rewrapped++;
}

/** Records of one table (or column) under one key id/version. */
export type KeyStatusRow = Omit<KeyStatusWire, 'current'>;

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
export async function keyStatus(store: Queryable, batchSize = 1000): Promise<KeyStatusRow[]> {
  const out: KeyStatusRow[] = [];
  for (const t of SEALED_TABLES) {
    const data = new KeyCounter(t.table);
    const renewConfigs = new KeyCounter(RENEW_CONFIG);
    let after: string | null = null;
    for (;;) {
      const rows: SealedRow[] = await selectSealedRows(store, t, after, batchSize);
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
