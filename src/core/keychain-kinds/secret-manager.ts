import { invalidError } from '../errors.js';
import { authData, mapOf } from './shared.js';
import type { KeychainKind, SecretProviderName } from './types.js';

/** Seed 003 "Providers": GCP Secret Manager, AWS Secrets Manager, Azure Key Vault. */
export const SECRET_PROVIDERS: readonly SecretProviderName[] = ['gcp', 'aws', 'azure'];

const providerList = SECRET_PROVIDERS.join(', ');

/**
 * Values read from a secret manager, one per `map` field (seed 003 "1. secret_manager";
 * `secrets` is its newer spelling). Read, not renewed: a secret has no token endpoint.
 */
export const secretManager: KeychainKind = {
  id: 'secret_manager',
  aliases: ['secrets'],
  summary: `values read from a secret manager (${providerList}), one per \`map\` field`,
  keys: ['provider', 'auth', 'map'],
  required: [
    { anyOf: ['provider'], what: `\`provider\` (one of ${providerList})` },
    { anyOf: ['map'], what: '`map` (output field → secret path)', mapping: 'output field → secret path' },
  ],
  providers: SECRET_PROVIDERS,
  async describe(fields, preview) {
    const paths = await Promise.all(Object.entries(mapOf(fields) ?? {}).map(async ([k, v]) => `${k} ← ${await preview(v)}`));
    return `${String(fields.provider)} secrets: ${paths.join(', ')}${fields.auth !== undefined ? ` (auth ${await preview(fields.auth)})` : ''}`;
  },
  async fetch({ fields }, io) {
    const provider = fields.provider as SecretProviderName;
    const auth = await authData(io, fields);
    const data: Record<string, unknown> = {};
    for (const [key, path] of Object.entries(mapOf(fields) ?? {})) {
      if (typeof path !== 'string' || path === '') throw invalidError(`map.${key} must be a secret path`);
      data[key] = await io.secret(provider, path, auth);
    }
    return { data, credentialType: 'secret_manager', cacheType: 'secret' };
  },
};
