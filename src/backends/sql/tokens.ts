/**
 * Service tokens and the audit log (migration 0002): rows in, rows out. The token itself
 * never reaches this layer, only its SHA-256 (hex).
 */
import type { Queryable } from './store.js';

export interface ServiceTokenRow {
  name: string;
  role: string;
  created_at: Date;
  expires_at: Date | null;
  last_used_at: Date | null;
}

const COLUMNS = 'name, role, created_at, expires_at, last_used_at';

/** Inserts a token; false when the name is taken (nothing written). */
export async function insertToken(db: Queryable, row: { name: string; role: string; tokenSha256: string; createdAt: Date; expiresAt: Date | null }): Promise<ServiceTokenRow | undefined> {
  const { rows } = await db.query<ServiceTokenRow>(
    `INSERT INTO service_token (name, role, token_sha256, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (name) DO NOTHING RETURNING ${COLUMNS}`,
    [row.name, row.role, row.tokenSha256, row.createdAt, row.expiresAt],
  );
  return rows[0];
}

export async function listTokens(db: Queryable): Promise<ServiceTokenRow[]> {
  return (await db.query<ServiceTokenRow>(`SELECT ${COLUMNS} FROM service_token ORDER BY name`)).rows;
}

/** Deletes a token by name; false when there was none. */
export async function deleteToken(db: Queryable, name: string): Promise<boolean> {
  return (await db.query('DELETE FROM service_token WHERE name = $1', [name])).rowCount > 0;
}

/**
 * The condition that the token whose SHA-256 is `hash` has not expired at `now` (parameters or
 * columns; service_token's columns unqualified): the one definition of a live token, also part
 * of the statements that check the token in the same round trip as a read (keychain.ts).
 */
export function liveTokenCondition(hash: string, now: string): string {
  return `token_sha256 = ${hash} AND (expires_at IS NULL OR expires_at > ${now})`;
}

/** The token with this hash that has not expired at `now`; undefined otherwise. */
export async function findLiveToken(db: Queryable, tokenSha256: string, now: Date): Promise<ServiceTokenRow | undefined> {
  const { rows } = await db.query<ServiceTokenRow>(`SELECT ${COLUMNS} FROM service_token WHERE ${liveTokenCondition('$1', '$2')}`, [tokenSha256, now]);
  return rows[0];
}

export async function markTokenUsed(db: Queryable, name: string, now: Date): Promise<void> {
  await db.query('UPDATE service_token SET last_used_at = $2 WHERE name = $1', [name, now]);
}

export interface AuditRow {
  id: string;
  at: Date;
  actor: string;
  action: string;
  target: string | null;
  source: string | null;
  outcome: string;
}

export function insertAudit(db: Queryable, row: Omit<AuditRow, 'id'>): Promise<void> {
  return insertAudits(db, [row]);
}

/** Inserts audit rows in one statement (one commit), in their order. */
export async function insertAudits(db: Queryable, rows: Omit<AuditRow, 'id'>[]): Promise<void> {
  await db.query(
    `INSERT INTO audit_log (at, actor, action, target, source, outcome)
     SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])`,
    [rows.map((r) => r.at), rows.map((r) => r.actor), rows.map((r) => r.action), rows.map((r) => r.target), rows.map((r) => r.source), rows.map((r) => r.outcome)],
  );
}

export async function listAudit(db: Queryable, limit: number): Promise<AuditRow[]> {
  const { rows } = await db.query<AuditRow>('SELECT id::text AS id, at, actor, action, target, source, outcome FROM audit_log ORDER BY id DESC LIMIT $1', [limit]);
  return rows;
}

/** Reachable, in one round trip. */
export async function ping(db: Queryable): Promise<void> {
  await db.query('SELECT 1');
}
