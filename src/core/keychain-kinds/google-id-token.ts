import { invalidError } from '../errors.js';
import { refreshMarginSeconds } from '../scope.js';
import { authData, credentialNamedBy, isMapping } from './shared.js';
import type { KeychainFetchIO, KeychainKind } from './types.js';

/**
 * A Google ID token for `target_audience` (a Cloud Run URL), minted with a service-account key
 * read from a stored credential or from GCP Secret Manager (upstream's two modes). Renewed by
 * minting: with `auto_renew: true` the entry expires a refresh margin before the token does,
 * so the next resolve mints a new one before anyone is served a token about to expire.
 */
export const googleIdToken: KeychainKind = {
  id: 'google_id_token',
  aliases: [],
  summary: 'a Google ID token for `target_audience`, minted with a service-account key',
  keys: ['auth', 'service_account_secret', 'service_account_credential', 'target_audience'],
  required: [
    { anyOf: ['target_audience'], what: '`target_audience`' },
    { anyOf: ['service_account_secret', 'service_account_credential'], what: '`service_account_secret` or `service_account_credential`' },
    { anyOf: ['auth'], when: 'service_account_secret', what: '`auth`', because: 'reads `service_account_secret` from a secret manager and needs `auth` to reach it' },
  ],
  keyAliases: { audience: 'target_audience' },
  credentialKeys: ['service_account_credential'],
  renewal: 'mint',
  async describe(fields, preview) {
    const account =
      fields.service_account_credential !== undefined
        ? `credential ${await preview(fields.service_account_credential)}`
        : `gcp secret ${await preview(fields.service_account_secret)}${fields.auth !== undefined ? ` (auth ${await preview(fields.auth)})` : ''}`;
    return `Google ID token for ${await preview(fields.target_audience)}, service account from ${account}`;
  },
  async fetch({ fields, autoRenew }, io) {
    if (typeof fields.target_audience !== 'string' || fields.target_audience === '') throw invalidError('needs target_audience: the URL of the service the token is for');
    const { idToken, ttlSeconds } = await io.googleIdToken(await serviceAccountOf(fields, io), fields.target_audience);
    const lifetime = ttlSeconds ?? 3600;
    return {
      data: { id_token: idToken, token_type: 'Bearer', target_audience: fields.target_audience },
      ttlSeconds: autoRenew ? Math.max(1, Math.floor(lifetime - refreshMarginSeconds(lifetime))) : lifetime,
      credentialType: 'google_id_token',
      cacheType: 'token',
    };
  },
};

/** The service-account key: from a stored credential, or from GCP Secret Manager. */
async function serviceAccountOf(fields: Record<string, unknown>, io: KeychainFetchIO): Promise<Record<string, unknown>> {
  if (fields.service_account_credential !== undefined) {
    const { data } = await credentialNamedBy(io, fields, 'service_account_credential');
    return serviceAccountKey(data, `credential '${String(fields.service_account_credential)}'`);
  }
  if (typeof fields.service_account_secret !== 'string' || fields.service_account_secret === '') {
    throw invalidError('needs service_account_credential (a stored credential) or service_account_secret (a GCP secret path, with auth)');
  }
  const text = await io.secret('gcp', fields.service_account_secret, await authData(io, fields));
  return serviceAccountKey(text, `secret ${fields.service_account_secret}`);
}

/** A service-account key JSON (client_email, private_key), given as an object, as JSON text, or as JSON text in one field of an object. */
function serviceAccountKey(value: unknown, where: string): Record<string, unknown> {
  const isKey = (v: unknown): v is Record<string, unknown> => isMapping(v) && typeof v.client_email === 'string' && typeof v.private_key === 'string';
  const parse = (text: string): unknown => {
    try {
      return JSON.parse(text);
    } catch {
      return undefined;
    }
  };
  if (isKey(value)) return value;
  if (typeof value === 'string' && isKey(parse(value))) return parse(value) as Record<string, unknown>;
  if (isMapping(value)) {
    for (const v of Object.values(value)) if (typeof v === 'string' && isKey(parse(v))) return parse(v) as Record<string, unknown>;
  }
  throw invalidError(`${where} is not a service-account key (JSON with client_email and private_key)`);
}
