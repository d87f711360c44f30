/**
 * What a keychain command adds to "entry not found" when the playbook version it named has no
 * entry of that name: the other version of the playbook that has one. Entries are keyed by
 * catalog id, so registering a changed playbook leaves them under the older version.
 */
import type { Store } from '../../backends/sql/store.js';

export async function otherVersionHint(store: Store, name: string, catalogId: string): Promise<string> {
  const { getCatalogById, otherVersionsWithKeychainEntry } = await import('../../backends/sql/catalog.js');
  const [other] = await otherVersionsWithKeychainEntry(store, catalogId, name);
  if (!other) return '; set it with `noetl keychain set` or resolve the playbook';
  const current = await getCatalogById(store, catalogId);
  return (
    `; version ${other.version} of ${other.path} (catalog id ${other.catalog_id}) has it (${other.scope_type}): ` +
    `read it with --playbook ${other.path}@${other.version}, or set it again for version ${current?.version ?? '?'}`
  );
}
