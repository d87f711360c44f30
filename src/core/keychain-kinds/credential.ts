import { credentialNamedBy } from './shared.js';
import type { KeychainKind } from './types.js';

/**
 * A stored credential's data, cached as a keychain entry. Upstream's processor reads the same
 * entry under the kinds `credential_ref`, `google_oauth`, `google_service_account` and `google`,
 * and the credential's name from `ref`, else `credential`, else the entry's own `name`.
 */
export const credential: KeychainKind = {
  id: 'credential',
  aliases: ['credential_ref', 'google_oauth', 'google_service_account', 'google'],
  summary: "a stored credential's data, named by `ref`, `credential` or the entry's name",
  keys: ['credential', 'ref'],
  required: [],
  credentialKeys: ['ref', 'credential'],
  describe: async (fields, preview, name) => `credential ${await preview(credentialKey(fields) === undefined ? name : fields[credentialKey(fields)!])}`,
  async fetch({ name, fields }, io) {
    const key = credentialKey(fields);
    const stored = key === undefined ? await io.credential(name) : await credentialNamedBy(io, fields, key);
    return { data: stored.data, credentialType: stored.type, cacheType: 'secret' };
  },
};

/** The field that names the credential, as upstream reads it: `ref`, then `credential`; none means the entry's name. */
function credentialKey(fields: Record<string, unknown>): 'ref' | 'credential' | undefined {
  return fields.ref != null ? 'ref' : fields.credential != null ? 'credential' : undefined;
}
