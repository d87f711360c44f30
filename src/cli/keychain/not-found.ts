/**
 * What a keychain command adds to "entry not found": where an entry of that name does exist —
 * in another scope of the same playbook version, or under another version of the playbook
 * (entries are keyed by catalog id, so registering a changed playbook leaves them behind).
 */
import type { ScopeRef } from '../../core/scope.js';
import type { Store } from '../../store/store.js';

export async function keychainNotFoundHint(store: Store, name: string, ref: ScopeRef): Promise<string> {
  const { listKeychainEntries } = await import('../../store/keychain.js');
  const elsewhere = await listKeychainEntries(store, { catalogId: ref.catalogId, name });
  if (elsewhere.length) {
    return `; it exists as ${elsewhere.map((e) => `--scope ${e.scope_type}${e.execution_id ? ` --execution ${e.execution_id}` : ''}`).join(' or ')}`;
  }
  const { getCatalogById, otherVersionsWithKeychainEntry } = await import('../../store/catalog.js');
  const [older] = await otherVersionsWithKeychainEntry(store, ref.catalogId, name);
  if (older) {
    const current = await getCatalogById(store, ref.catalogId);
    return (
      `; version ${older.version} of ${older.path} (catalog id ${older.catalog_id}) has it (${older.scope_type}): ` +
      `read it with --playbook ${older.path}@${older.version}, or set it again for version ${current?.version ?? '?'}`
    );
  }
  return '; set it with `noetl keychain set` or resolve the playbook';
}
