import { awsProvider } from './aws.js';
import { azureProvider } from './azure.js';
import { gcpProvider } from './gcp.js';
import { PROVIDER_NAMES, type ProviderEndpoints, type ProviderName, type SecretProvider } from './types.js';

export * from './types.js';

/** The three providers, at their public endpoints unless overridden. */
export function defaultProviders(endpoints: ProviderEndpoints = {}): Record<ProviderName, SecretProvider> {
  return {
    gcp: gcpProvider(endpoints.gcpSecretManager),
    aws: awsProvider(endpoints.awsSecretsManager),
    azure: azureProvider(endpoints.azureLogin),
  };
}

export function isProviderName(text: unknown): text is ProviderName {
  return typeof text === 'string' && (PROVIDER_NAMES as readonly string[]).includes(text);
}
