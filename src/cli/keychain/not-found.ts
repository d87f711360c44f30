/**
 * What a keychain command adds to "entry not found", from the data of the not-found result:
 * the scopes of this playbook version that have the name, else the other version of the
 * playbook that has it (entries are keyed by catalog id, so registering a changed playbook
 * leaves them under the older version).
 */
import type { KeychainElsewhere, KeychainOtherVersion } from '../../api/keychain.js';

export function notFoundHint(found: { elsewhere?: KeychainElsewhere[]; other_versions?: KeychainOtherVersion[]; version?: number }): string {
  if (found.elsewhere?.length) {
    return `; it exists as ${found.elsewhere.map((e) => `--scope ${e.scope_type}${e.execution_id ? ` --execution ${e.execution_id}` : ''}`).join(' or ')}`;
  }
  const [other] = found.other_versions ?? [];
  if (!other) return '; set it with `noetl keychain set` or resolve the playbook';
  return (
    `; version ${other.version} of ${other.path} (catalog id ${other.catalog_id}) has it (${other.scope_type}): ` +
    `read it with --playbook ${other.path}@${other.version}, or set it again for version ${found.version ?? '?'}`
  );
}
