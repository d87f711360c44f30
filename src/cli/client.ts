/**
 * The one place the CLI builds a NoetlClient: the local client over the configured database
 * (flags, environment, config file) and the master keys for it. Commands see only the client.
 */
import type { NoetlClient } from '../api/index.js';
import { createLocalClient } from '../backends/local/index.js';
import { defaultProviders, providerEndpoints } from '../backends/local/renew/providers/index.js';
import type { CommandContext } from './context.js';

export async function openClient(ctx: Pick<CommandContext, 'openStore' | 'keys' | 'env'>): Promise<NoetlClient> {
  const store = await ctx.openStore();
  // Secret managers at their public endpoints unless NOETL_*_URL overrides them (keychain resolve).
  const providers = defaultProviders(providerEndpoints(ctx.env));
  return createLocalClient({ store, keys: (purpose) => ctx.keys(purpose), providers });
}
