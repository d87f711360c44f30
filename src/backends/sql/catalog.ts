/**
 * The minimal playbook catalog the keychain refers to: register a playbook (a new version
 * per path), list, show, and resolve `PATH[@VERSION]` or a catalog id to one entry.
 * catalog_id is a 64-bit id carried as a decimal string.
 */
import { NoetlError, invalidError, notFoundError } from '../../core/errors.js';
import { newId64, parseId64 } from '../../core/ids.js';
import { parseYaml } from '../../core/structured.js';
import { closest } from '../../core/suggest.js';
import type { Queryable, Store } from './store.js';

export interface CatalogEntry {
  catalog_id: string;
  path: string;
  version: number;
  kind: string;
  created_at: string;
}

export interface CatalogEntryWithContent extends CatalogEntry {
  content: string;
}

/** What registering returns: the entry, and whether it already held exactly this content (no new version). */
export interface RegisteredEntry extends CatalogEntry {
  unchanged: boolean;
}

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

/** The parts of a playbook the catalog needs: metadata.path and kind. */
export interface PlaybookIdentity {
  path: string;
  kind: string;
  document: Record<string, unknown>;
}

/** Parses playbook YAML and reads its identity; a playbook without metadata.path is refused (exit 2). */
export function readPlaybookIdentity(content: string, source = 'playbook'): PlaybookIdentity {
  const document = parseYaml(content, source);
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    throw invalidError(`${source} is not a YAML mapping: a playbook has apiVersion, kind, metadata, …`);
  }
  const doc = document as Record<string, unknown>;
  const metadata = doc.metadata as Record<string, unknown> | undefined;
  const path = metadata && typeof metadata === 'object' ? metadata.path : undefined;
  if (typeof path !== 'string' || path.trim() === '') {
    throw invalidError(`${source} has no metadata.path: add \`metadata: {path: folder/name}\`, the catalog path it is registered under`);
  }
  const kind = typeof doc.kind === 'string' && doc.kind ? doc.kind : 'Playbook';
  return { path: path.trim(), kind, document: doc };
}

/**
 * Registers a playbook: version = previous version of its path + 1 (1 for a new path). When
 * the latest version already holds exactly this content, that version is returned and nothing
 * is written: a new version would orphan the keychain entries keyed by the old catalog id.
 * Concurrent registrations of one path are serialised by a transaction-level advisory lock,
 * so each gets its own version.
 */
export async function registerPlaybook(store: Store, content: string, source?: string): Promise<RegisteredEntry> {
  const { path, kind } = readPlaybookIdentity(content, source);
  const createdAt = store.now();
  return store.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`noetl.catalog:${path}`]);
    const latest = await getCatalogByPath(tx, path);
    if (latest && latest.content === content) {
      const { content: _same, ...entry } = latest;
      return { ...entry, unchanged: true };
    }
    const inserted = await tx.query<CatalogRow>(
      `INSERT INTO catalog (catalog_id, path, version, kind, content, created_at)
       VALUES ($1, $2, $3, $4, $5, $6)
       RETURNING catalog_id, path, version, kind, created_at`,
      [newId64(createdAt), path, (latest?.version ?? 0) + 1, kind, content, createdAt],
    );
    return { ...toEntry(inserted.rows[0]), unchanged: false };
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

export interface CatalogListFilter {
  /** Only this path (every version). */
  path?: string;
  /** Only the latest version of each path. */
  latest?: boolean;
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

/** Splits `PATH[@VERSION]`; a version that is not a positive integer is a usage error. */
export function parsePlaybookRef(ref: string): { path: string; version?: number } {
  const at = ref.lastIndexOf('@');
  if (at <= 0) return { path: ref };
  const versionText = ref.slice(at + 1);
  if (!/^[1-9][0-9]{0,8}$/.test(versionText)) {
    throw invalidError(`'${ref}': the version after @ must be a positive integer (e.g. ${ref.slice(0, at)}@2)`);
  }
  return { path: ref.slice(0, at), version: Number(versionText) };
}

async function notFoundForPath(db: Queryable, path: string, version?: number): Promise<NoetlError> {
  const { rows } = await db.query<{ path: string }>('SELECT DISTINCT path FROM catalog');
  const known = rows.map((r) => r.path);
  if (version !== undefined && known.includes(path)) {
    const { rows: versions } = await db.query<{ max: number }>('SELECT MAX(version) AS max FROM catalog WHERE path = $1', [path]);
    return notFoundError(`playbook ${path} has no version ${version} (latest is ${versions[0].max}): see \`noetl catalog ls\``);
  }
  const guess = closest(path, known);
  return notFoundError(
    `no playbook registered at path ${path}${guess ? ` (did you mean ${guess}?)` : ''}: register it with \`noetl catalog register FILE\``,
  );
}

/** `noetl catalog show PATH|ID`: a 64-bit id if it is one and exists, else a path (with optional @VERSION). */
export async function findCatalogEntry(db: Queryable, pathOrId: string): Promise<CatalogEntryWithContent> {
  const id = parseId64(pathOrId);
  if (id !== undefined) {
    const byId = await getCatalogById(db, id);
    if (byId) return byId;
  }
  const { path, version } = parsePlaybookRef(pathOrId);
  const entry = await getCatalogByPath(db, path, version);
  if (entry) return entry;
  if (id !== undefined) throw notFoundError(`no catalog entry with id ${id} or path ${pathOrId}: see \`noetl catalog ls\``);
  throw await notFoundForPath(db, path, version);
}

/** How keychain commands name a playbook: `--playbook PATH[@VERSION]` or `--catalog-id ID`. */
export interface PlaybookSelector {
  playbook?: string;
  catalogId?: string;
}

/**
 * Resolves `--playbook PATH[@VERSION]` (latest version by default) or `--catalog-id ID` to
 * a catalog entry. Exactly one must be given (exit 2); an unknown one exits 3.
 */
export async function resolvePlaybookSelector(db: Queryable, selector: PlaybookSelector): Promise<CatalogEntry> {
  if (selector.playbook && selector.catalogId) {
    throw invalidError('--playbook and --catalog-id both name a playbook: give one of them');
  }
  if (selector.catalogId !== undefined) {
    const id = parseId64(selector.catalogId);
    if (id === undefined) throw invalidError(`--catalog-id '${selector.catalogId}' is not a 64-bit id (digits only, e.g. 518486534513754563)`);
    const entry = await getCatalogById(db, id);
    if (!entry) throw notFoundError(`no catalog entry with id ${id}: see \`noetl catalog ls\``);
    return entry;
  }
  if (selector.playbook) {
    const { path, version } = parsePlaybookRef(selector.playbook);
    const entry = await getCatalogByPath(db, path, version);
    if (!entry) throw await notFoundForPath(db, path, version);
    return entry;
  }
  throw new NoetlError('invalid', 'name the playbook with --playbook PATH[@VERSION] or --catalog-id ID');
}
