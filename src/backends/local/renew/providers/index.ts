import { awsProvider } from './aws.js';
import { azureProvider } from './azure.js';
import { gcpProvider, type GcpProvider } from './gcp.js';
import { type ProviderEndpoints, type ProviderName, type SecretProvider } from './types.js';

export * from './types.js';
export type { GcpProvider } from './gcp.js';

/** The providers by name; gcp also mints Google ID tokens. */
export type Providers = Record<ProviderName, SecretProvider> & { gcp: GcpProvider };

/** The three providers, at their public endpoints unless overridden. */
export function defaultProviders(endpoints: ProviderEndpoints = {}): Providers {
  return {
    gcp: gcpProvider(endpoints.gcpSecretManager, endpoints.gcpToken),
    aws: awsProvider(endpoints.awsSecretsManager),
    azure: azureProvider(endpoints.azureLogin),
  };
}
