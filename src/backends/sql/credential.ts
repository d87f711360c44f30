/**
 * The `credential` table (seed 003 "Credential Storage"): rows in, rows out. Validation,
 * sealing and masking are the local client's (src/backends/local/credentials.ts); the data
 * column holds what it is given, sealed or not.
 */
import type { Queryable } from './store.js';

/** A credential row without its data. */
export interface CredentialRow {
  id: string;
  name: string;
  type: string;
  description: string | null;
  tags: string[] | null;
  meta: Record<string, unknown> | null;
  schema: Record<string, unknown> | null;
  created_at: Date;
  updated_at: Date;
}

/** A credential row with its stored (sealed) data. */
export interface SealedCredentialRow extends CredentialRow {
  data_encrypted: string;
}

/** What one write stores: every column but the timestamps. */
export interface CredentialWrite {
  id: string;
  name: string;
  type: string;
  data_encrypted: string;
  description: string | null;
  tags: string[];
  meta: Record<string, unknown> | null;
  schema: Record<string, unknown> | null;
}

const INFO_COLUMNS = 'id::text AS id, name, type, description, tags, meta, schema, created_at, updated_at';

function toRow<R extends CredentialRow>(row: R): R {
  return { ...row, id: String(row.id), created_at: new Date(row.created_at), updated_at: new Date(row.updated_at) };
}

/**
 * Inserts one credential at `now`; with `replace`, overwrites the row of the same name (its id
 * and created_at kept). Undefined when the name is taken and `replace` is off.
 */
export async function insertCredential(db: Queryable, write: CredentialWrite, now: Date, replace: boolean): Promise<{ row: CredentialRow; replaced: boolean } | undefined> {
  const onConflict = replace
    ? `ON CONFLICT (name) DO UPDATE SET type = EXCLUDED.type, data_encrypted = EXCLUDED.data_encrypted, schema = EXCLUDED.schema,
         meta = EXCLUDED.meta, tags = EXCLUDED.tags, description = EXCLUDED.description, updated_at = EXCLUDED.updated_at`
    : 'ON CONFLICT (name) DO NOTHING';
  const result = await db.query<CredentialRow & { inserted: boolean }>(
    `INSERT INTO credential (id, name, type, data_encrypted, schema, meta, tags, description, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7::text[], $8, $9, $9)
     ${onConflict}
     RETURNING ${INFO_COLUMNS}, (xmax = 0) AS inserted`,
    [write.id, write.name, write.type, write.data_encrypted, json(write.schema), json(write.meta), write.tags, write.description, now],
  );
  if (result.rows.length === 0) return undefined;
  const { inserted, ...row } = result.rows[0];
  return { row: toRow(row), replaced: !inserted };
}

function json(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

/** The description, tags, meta and schema of a stored credential, its row locked until the transaction ends. */
export async function selectForReplace(tx: Queryable, name: string): Promise<Pick<CredentialRow, 'description' | 'tags' | 'meta' | 'schema'> | undefined> {
  const { rows } = await tx.query<Pick<CredentialRow, 'description' | 'tags' | 'meta' | 'schema'>>('SELECT description, tags, meta, schema FROM credential WHERE name = $1 FOR UPDATE', [name]);
  return rows[0];
}

/** One credential with its stored data, by name. */
export async function selectCredential(db: Queryable, name: string): Promise<SealedCredentialRow | undefined> {
  const { rows } = await db.query<SealedCredentialRow>(`SELECT ${INFO_COLUMNS}, data_encrypted FROM credential WHERE name = $1`, [name]);
  return rows[0] && toRow(rows[0]);
}

export interface CredentialFilter {
  type?: string;
  /** Every tag given must be present. */
  tags?: string[];
}

/** Credentials without their data, by name. */
export async function selectCredentials(db: Queryable, filter: CredentialFilter = {}): Promise<CredentialRow[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.type) {
    params.push(filter.type);
    where.push(`type = $${params.length}`);
  }
  if (filter.tags?.length) {
    params.push(filter.tags);
    where.push(`tags @> $${params.length}::text[]`);
  }
  const result = await db.query<CredentialRow>(`SELECT ${INFO_COLUMNS} FROM credential ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY name`, params);
  return result.rows.map(toRow);
}

/** Up to `limit` credential names, in order (for a did-you-mean). */
export async function selectCredentialNames(db: Queryable, limit = 1000): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>('SELECT name FROM credential ORDER BY name LIMIT $1', [limit]);
  return rows.map((r) => r.name);
}

/** One credential without its data, by id (when `id` is given) or else by name; the id wins when both match. */
export async function selectCredentialByIdOrName(db: Queryable, name: string, id: string | undefined): Promise<CredentialRow | undefined> {
  const { rows } =
    id === undefined
      ? await db.query<CredentialRow>(`SELECT ${INFO_COLUMNS} FROM credential WHERE name = $1`, [name])
      : await db.query<CredentialRow>(`SELECT ${INFO_COLUMNS} FROM credential WHERE id = $2 OR name = $1 ORDER BY id = $2 DESC LIMIT 1`, [name, id]);
  return rows[0] && toRow(rows[0]);
}

/** Whether a credential exists (without reading its data). */
export async function credentialExists(db: Queryable, name: string): Promise<boolean> {
  return (await db.query('SELECT 1 FROM credential WHERE name = $1', [name])).rows.length > 0;
}

/** Deletes a credential; undefined when there was none. */
export async function deleteCredential(db: Queryable, name: string): Promise<{ id: string; name: string } | undefined> {
  const { rows } = await db.query<{ id: string; name: string }>('DELETE FROM credential WHERE name = $1 RETURNING id::text AS id, name', [name]);
  return rows[0];
}
