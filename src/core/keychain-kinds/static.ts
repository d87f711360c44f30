import { mapOf } from './shared.js';
import type { KeychainKind } from './types.js';

/**
 * Values written in the playbook (templates rendered), one per `map` field. Only `map`:
 * upstream's processor reads nothing else of a static entry, so `value:` or `credential:`
 * there would resolve here and fail on a NoETL server.
 */
export const staticKind: KeychainKind = {
  id: 'static',
  aliases: [],
  summary: 'values written in the playbook, one per `map` field',
  keys: ['map'],
  required: [{ anyOf: ['map'], what: '`map` (output field → value)', mapping: 'output field → value' }],
  keyAliases: { value: 'map', values: 'map', data: 'map' },
  keyHints: { credential: 'a stored credential is read with `kind: credential`' },
  describe: async (fields) => `values from the playbook (${Object.keys(mapOf(fields) ?? {}).join(', ')})`,
  fetch: async ({ fields }) => ({ data: mapOf(fields) ?? {}, credentialType: 'static', cacheType: 'secret' }),
};
