import { invalidError } from '../errors.js';
import type { KeychainKind } from './types.js';

/**
 * A bearer token written in the playbook (usually a template of a workload value), served as
 * the seeds' bearer-token shape `{access_token, token_type: Bearer}` (seed 003 "Bearer Token"),
 * as upstream's processor stores it. Only `token`: a stored credential is `kind: credential`.
 */
export const bearer: KeychainKind = {
  id: 'bearer',
  aliases: [],
  summary: 'a bearer token given in the playbook, as `access_token`',
  keys: ['token'],
  required: [{ anyOf: ['token'], what: '`token`' }],
  keyAliases: { access_token: 'token', value: 'token' },
  keyHints: { credential: 'a stored credential is read with `kind: credential`' },
  describe: async () => 'a bearer token from the playbook (token)',
  async fetch({ fields }) {
    if (typeof fields.token !== 'string' || fields.token === '') throw invalidError('token must be the bearer token (a string)');
    return { data: { access_token: fields.token, token_type: 'Bearer' }, credentialType: 'bearer', cacheType: 'token' };
  },
};
