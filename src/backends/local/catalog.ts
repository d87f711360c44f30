/**
 * The catalog group over a database: playbook identity read in core, rows through the
 * catalog repository, and the not-found messages (with did-you-mean) built here.
 */
import type { CatalogApi, CatalogEntry, CatalogEntryWithContent, PlaybookSelector, RegisteredEntry } from '../../api/catalog.js';
import { NoetlError, invalidError, notFoundError } from '../../core/errors.js';
import { parseId64 } from '../../core/ids.js';
import { parsePlaybookRef } from '../../core/playbook-ref.js';
import { closest } from '../../core/suggest.js';
import { getCatalogById, getCatalogByPath, insertCatalogVersion, listCatalog, listCatalogPaths } from '../sql/catalog.js';
import type { Queryable, Store } from '../sql/store.js';
import type { LocalClientDeps } from './index.js';

const SEE_CATALOG = { command: 'catalog ls' } as const;

export function localCatalog({ store }: LocalClientDeps): CatalogApi {
  return {
    register: ({ content, source }) => registerPlaybook(store, content, source),
    list: (filter = {}) => listCatalog(store, filter),
    show: (ref) => findCatalogEntry(store, ref),
    resolve: async (selector) => withoutContent(await resolvePlaybookSelector(store, selector)),
  };
}

/** Registers a playbook under its metadata.path (`invalid` without one): a new version, or the latest when its content is identical. */
export async function registerPlaybook(store: Store, content: string, source?: string): Promise<RegisteredEntry> {
  // Loaded here: the YAML parser is for registering, not for every command that opens the client.
  const { readPlaybookIdentity } = await import('../../core/playbook-identity.js');
  const { path, kind } = readPlaybookIdentity(content, source);
  return insertCatalogVersion(store, { path, kind, content });
}

function withoutContent(entry: CatalogEntryWithContent): CatalogEntry {
  const { content: _content, ...rest } = entry;
  return rest;
}

async function notFoundForPath(db: Queryable, path: string, version?: number): Promise<NoetlError> {
  const known = await listCatalogPaths(db);
  if (version !== undefined && known.includes(path)) {
    const latest = await getCatalogByPath(db, path);
    return notFoundError(`playbook ${path} has no version ${version} (latest is ${latest?.version ?? '?'})`, { hint: SEE_CATALOG });
  }
  const guess = closest(path, known);
  return notFoundError(`no playbook registered at path ${path}${guess ? ` (did you mean ${guess}?)` : ''}`, {
    hint: { command: 'catalog register FILE', text: 'to register it' },
  });
}

/** A 64-bit id if it is one and exists, else a path with an optional @VERSION. */
export async function findCatalogEntry(db: Queryable, pathOrId: string): Promise<CatalogEntryWithContent> {
  const id = parseId64(pathOrId);
  if (id !== undefined) {
    const byId = await getCatalogById(db, id);
    if (byId) return byId;
  }
  const { path, version } = parsePlaybookRef(pathOrId);
  const entry = await getCatalogByPath(db, path, version);
  if (entry) return entry;
  if (id !== undefined) throw notFoundError(`no catalog entry with id ${id} or path ${pathOrId}`, { hint: SEE_CATALOG });
  throw await notFoundForPath(db, path, version);
}

export async function resolvePlaybookSelector(db: Queryable, selector: PlaybookSelector): Promise<CatalogEntryWithContent> {
  if (selector.playbook && selector.catalog_id) {
    throw invalidError('a playbook is named both by path and by catalog id: give one of them', { reason: 'selector' });
  }
  if (selector.catalog_id !== undefined) {
    const id = parseId64(selector.catalog_id);
    if (id === undefined) {
      throw invalidError(`catalog id '${selector.catalog_id}' is not a 64-bit id (digits only, e.g. 518486534513754563)`, { reason: 'invalid-id' });
    }
    const entry = await getCatalogById(db, id);
    if (!entry) throw notFoundError(`no catalog entry with id ${id}`, { hint: SEE_CATALOG });
    return entry;
  }
  if (selector.playbook) {
    const { path, version } = parsePlaybookRef(selector.playbook);
    const entry = await getCatalogByPath(db, path, version);
    if (!entry) throw await notFoundForPath(db, path, version);
    return entry;
  }
  throw invalidError('no playbook named: give its path (PATH[@VERSION]) or its catalog id', { reason: 'selector' });
}
