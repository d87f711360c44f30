/**
 * The catalog table: rows in, rows out. Parsing a playbook, resolving references and the
 * messages about them live in src/core/playbook-identity.ts and src/backends/local/catalog.ts.
 * catalog_id is a 64-bit id carried as a decimal string.
 */
import type { CatalogEntry, CatalogEntryWithContent, CatalogListFilter } from '../../api/catalog.js';
import { invalidError } from '../../core/errors.js';
import { newId64 } from '../../core/ids.js';
import { storeLayout } from './layout.js';
import type { Queryable, Store } from './store.js';

export type { CatalogEntry, CatalogEntryWithContent, CatalogListFilter };

interface CatalogRow {
  catalog_id: string;
  path: string;
  version: number;
  kind: string;
  created_at: Date;
  content?: string;
}

function toEntry(row: CatalogRow): CatalogEntry {
  return {
    catalog_id: String(row.catalog_id),
    path: row.path,
    version: Number(row.version),
    kind: row.kind,
    created_at: new Date(row.created_at).toISOString(),
  };
}

function toEntryWithContent(row: CatalogRow): CatalogEntryWithContent {
  return { ...toEntry(row), content: row.content ?? '' };
}

export interface NewCatalogVersion {
  path: string;
  kind: string;
  content: string;
}

/**
 * Inserts the next version of a path (1 for a new path), unless its latest version already
 * holds exactly this content: then that version is returned with `unchanged` and nothing is
 * written. Concurrent inserts of one path are serialised by a transaction-level advisory
 * lock, so each gets its own version. On an upstream NoETL layout `kind` is stored as upstream
 * stores it: lower-case, and one of its `resource` names (its foreign key).
 */
export async function insertCatalogVersion(store: Store, row: NewCatalogVersion): Promise<CatalogEntry & { unchanged: boolean }> {
  const createdAt = store.now();
  const upstream = (await storeLayout(store)) === 'upstream';
  const kind = upstream ? row.kind.toLowerCase() : row.kind;
  return store.transaction(async (tx) => {
    if (upstream) await requireResource(tx, kind, row.kind);
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`noetl.catalog:${row.path}`]);
    const latest = await getCatalogByPath(tx, row.path);
    if (latest && latest.content === row.content) {
      const { content: _same, ...entry } = latest;
      return { ...entry, unchanged: true };
    }
    const inserted = await tx.query<CatalogRow>(
      `INSERT INTO catalog (catalog_id, path, version, kind, content, created_at)
       VALUES ($1, $2, $3, $4, $5, $6)
       RETURNING catalog_id, path, version, kind, created_at`,
      [newId64(createdAt), row.path, (latest?.version ?? 0) + 1, kind, row.content, createdAt],
    );
    return { ...toEntry(inserted.rows[0]), unchanged: false };
  });
}

/** Upstream's catalog.kind refers to resource(name): a kind it does not list is refused before the insert, naming the ones it does. */
async function requireResource(tx: Queryable, kind: string, written: string): Promise<void> {
  const { rows } = await tx.query<{ name: string }>('SELECT name FROM resource ORDER BY name');
  if (rows.some((r) => r.name === kind)) return;
  throw invalidError(`kind '${written}' is not a resource kind of this upstream NoETL database (${rows.map((r) => r.name).join(', ')}): use one of them`, {
    reason: 'unknown-kind',
  });
}

/** A version of a playbook path whose keychain holds an entry of some name. */
export interface VersionWithEntry extends CatalogEntry {
  scope_type: string;
}

/**
 * The other versions of the playbook at `catalogId` (newest first) whose keychain holds an
 * entry named `name`: where an entry went when the playbook was registered again, since
 * entries are keyed by catalog id.
 */
export async function otherVersionsWithKeychainEntry(db: Queryable, catalogId: string, name: string): Promise<VersionWithEntry[]> {
  const { rows } = await db.query<CatalogRow & { scope_type: string }>(
    `SELECT DISTINCT c.catalog_id, c.path, c.version, c.kind, c.created_at, k.scope_type
     FROM catalog current
     JOIN catalog c ON c.path = current.path AND c.catalog_id <> current.catalog_id
     JOIN keychain k ON k.catalog_id = c.catalog_id AND k.keychain_name = $2
     WHERE current.catalog_id = $1
     ORDER BY c.version DESC, k.scope_type`,
    [catalogId, name],
  );
  return rows.map((r) => ({ ...toEntry(r), scope_type: r.scope_type }));
}

export async function listCatalog(db: Queryable, filter: CatalogListFilter = {}): Promise<CatalogEntry[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.path) {
    params.push(filter.path);
    where.push(`path = $${params.length}`);
  }
  if (filter.latest) where.push('version = (SELECT MAX(version) FROM catalog c2 WHERE c2.path = catalog.path)');
  const { rows } = await db.query<CatalogRow>(
    `SELECT catalog_id, path, version, kind, created_at FROM catalog
     ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY path, version`,
    params,
  );
  return rows.map(toEntry);
}

/** Every registered path, once, sorted. */
export async function listCatalogPaths(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ path: string }>('SELECT DISTINCT path FROM catalog ORDER BY path');
  return rows.map((r) => r.path);
}

export async function getCatalogById(db: Queryable, catalogId: string): Promise<CatalogEntryWithContent | undefined> {
  const { rows } = await db.query<CatalogRow>('SELECT * FROM catalog WHERE catalog_id = $1', [catalogId]);
  return rows[0] ? toEntryWithContent(rows[0]) : undefined;
}

/** One version of a path, or its latest version when `version` is omitted. */
export async function getCatalogByPath(db: Queryable, path: string, version?: number): Promise<CatalogEntryWithContent | undefined> {
  const { rows } =
    version === undefined
      ? await db.query<CatalogRow>('SELECT * FROM catalog WHERE path = $1 ORDER BY version DESC LIMIT 1', [path])
      : await db.query<CatalogRow>('SELECT * FROM catalog WHERE path = $1 AND version = $2', [path, version]);
  return rows[0] ? toEntryWithContent(rows[0]) : undefined;
}
