import { credentialNamedBy } from './shared.js';
import type { KeychainKind } from './types.js';

/** A stored credential's data, cached as a keychain entry. `ref` is upstream's other spelling of `credential`. */
export const credential: KeychainKind = {
  id: 'credential',
  aliases: [],
  summary: "a stored credential's data (`noetl credential add`)",
  keys: ['credential', 'ref'],
  required: [{ anyOf: ['credential', 'ref'], what: '`credential` (the name of a stored credential)' }],
  credentialKeys: ['credential', 'ref'],
  describe: async (fields, preview) => `credential ${await preview(fields.credential ?? fields.ref)}`,
  async fetch({ fields }, io) {
    const stored = await credentialNamedBy(io, fields, fields.credential !== undefined ? 'credential' : 'ref');
    return { data: stored.data, credentialType: stored.type, cacheType: 'secret' };
  },
};
