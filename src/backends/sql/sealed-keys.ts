/**
 * Which master keys the sealed records of a database need, and whether a given key set opens
 * any of them: what keeps a lost key from being silently replaced by a new one (a key is never
 * generated while sealed records exist) and a wrong NOETL_ENCRYPTION_KEY from sealing new
 * records that the existing ones can never be read beside.
 */
import { classifyStored, EnvelopeError, open, type KeySet } from '../../core/envelope.js';
import type { Queryable } from './store.js';

/** The records sealed under one key id and version. */
export interface SealedKeyGroup {
  kid: string;
  kv: string;
  records: number;
  /** How one of them is named in a message: `credential 'pg_prod'`. */
  example: string;
}

/** A few records of one group: enough that a tampered one does not hide a key that opens the rest. */
const SAMPLES_PER_GROUP = 3;

interface SealedColumn {
  /** How a row is named in messages. */
  what: string;
  table: string;
  /** The row's name, as text. */
  label: string;
  /** The sealed value as text, its key id and version, and the condition for an envelope. */
  stored: string;
  kid: string;
  kv: string;
  sealed: string;
}

// data_encrypted is TEXT that may hold anything (legacy plaintext, garbage): the key id and version
// are read with a pattern, never a JSON cast that a malformed row would make fail.
const textColumn = (what: string, table: string, label: string): SealedColumn => ({
  what,
  table,
  label,
  stored: 'data_encrypted',
  kid: `substring(data_encrypted from '"kid"\\s*:\\s*"([^"]*)"')`,
  kv: `substring(data_encrypted from '"kv"\\s*:\\s*"([^"]*)"')`,
  sealed: `strpos(data_encrypted, '"dek"') > 0`,
});

const SEALED_COLUMNS: SealedColumn[] = [
  textColumn('credential', 'credential', 'name'),
  textColumn('keychain entry', 'keychain', 'keychain_name'),
  textColumn('credential cache entry', 'credential_cache', 'cache_key'),
  {
    what: 'renew_config of keychain entry',
    table: 'keychain',
    label: 'keychain_name',
    stored: 'renew_config::text',
    kid: `renew_config->'dek'->>'kid'`,
    kv: `renew_config->'dek'->>'kv'`,
    sealed: `jsonb_typeof(renew_config->'dek') = 'object'`,
  },
];

interface SampleRow {
  row_name: string;
  stored: string;
  kid: string | null;
  kv: string | null;
  records: string | number;
}

async function samples(db: Queryable, c: SealedColumn): Promise<SampleRow[]> {
  const { rows } = await db.query<SampleRow>(
    `SELECT row_name, stored, kid, kv, records FROM (
       SELECT ${c.label}::text AS row_name, ${c.stored} AS stored, kid, kv,
              count(*) OVER w AS records, row_number() OVER (w ORDER BY ${c.label}) AS n
       FROM (SELECT *, ${c.kid} AS kid, ${c.kv} AS kv FROM ${c.table} WHERE ${c.sealed}) s
       WINDOW w AS (PARTITION BY kid, kv)
     ) ranked
     WHERE n <= ${SAMPLES_PER_GROUP}
     ORDER BY records DESC, kid, kv`,
  );
  return rows;
}

/**
 * The common case, cheaply: a record whose envelope names the current key (as every record this
 * tool seals with it does) and opens with it. Stops at the first few such rows of a table.
 */
async function opensRecordOnItsKey(db: Queryable, keys: KeySet): Promise<boolean> {
  for (const c of SEALED_COLUMNS) {
    const { rows } = await db.query<{ stored: string }>(
      `SELECT ${c.stored} AS stored FROM ${c.table} WHERE ${c.sealed} AND ${c.kv} = $1 LIMIT ${SAMPLES_PER_GROUP}`,
      [keys.current.kv],
    );
    if (rows.some((row) => opens(row.stored, keys))) return true;
  }
  return false;
}

function isEnvelope(stored: string): boolean {
  try {
    return classifyStored(stored).kind === 'envelope';
  } catch {
    return false;
  }
}

function opens(stored: string, keys: KeySet): boolean {
  try {
    open(stored, keys);
    return true;
  } catch (err) {
    if (err instanceof EnvelopeError || err instanceof SyntaxError) return false;
    throw err;
  }
}

export interface SealedKeyCheck {
  /** Every group of sealed records, largest first (empty: nothing sealed is stored, or not looked at once a record opened). */
  groups: SealedKeyGroup[];
  /** Some record opens with the keys (always false without keys). */
  opened: boolean;
}

/**
 * The key groups of every sealed record (credentials, keychain entries and their renew_config,
 * the credential cache), and whether `keys` open at least one of a few records of some group.
 */
export async function checkSealedKeys(db: Queryable, keys?: KeySet): Promise<SealedKeyCheck> {
  if (keys && (await opensRecordOnItsKey(db, keys))) return { groups: [], opened: true };
  const groups = new Map<string, SealedKeyGroup>();
  let opened = false;
  for (const column of SEALED_COLUMNS) {
    // Each sample row carries the size of its group in this column: count it once per column.
    const counted = new Set<string>();
    for (const row of await samples(db, column)) {
      if (!isEnvelope(row.stored)) continue;
      const id = `${row.kid}\u0000${row.kv}`;
      let group = groups.get(id);
      if (!group) {
        group = { kid: row.kid ?? '?', kv: row.kv ?? '?', records: 0, example: `${column.what} '${row.row_name}'` };
        groups.set(id, group);
      }
      if (!counted.has(id)) {
        counted.add(id);
        group.records += Number(row.records);
      }
      if (!opened && keys) opened = opens(row.stored, keys);
    }
  }
  return { groups: [...groups.values()].sort((a, b) => b.records - a.records), opened };
}
