/**
 * The one place the CLI builds a NoetlClient: the local client over the configured database
 * (flags, environment, config file) and the master keys for it. Commands see only the client.
 */
import type { NoetlClient } from '../api/index.js';
import { createLocalClient } from '../backends/local/index.js';
import { defaultProviders, providerEndpoints } from '../backends/local/renew/providers/index.js';
import type { CommandContext } from './context.js';

export async function openClient(ctx: Pick<CommandContext, 'openStore' | 'keys' | 'env' | 'globals' | 'warn'>): Promise<NoetlClient> {
  const store = await ctx.openStore();
  // Secret managers at their public endpoints unless NOETL_*_URL overrides them (keychain resolve).
  const providers = defaultProviders(providerEndpoints(ctx.env));
  return createLocalClient({
    store,
    keys: (purpose) => ctx.keys(purpose),
    providers,
    // Rotation needs to know where the key came from: a key noetl generated is replaced in place.
    keyAdmin: {
      async load() {
        const { loadKeysWithSource } = await import('../backends/sql/keys.js');
        return loadKeysWithSource({ env: ctx.env, keyFile: ctx.globals().keyFile, backend: store.info.backend, purpose: 'read', warn: (m) => ctx.warn(m) });
      },
      async adopt(source, key) {
        if (source.kind !== 'generated-file' && source.kind !== 'generated-keyring') return undefined;
        const { replaceGeneratedKey } = await import('../backends/sql/keys.js');
        await replaceGeneratedKey(ctx.env, source, key);
        return source.location;
      },
    },
  });
}
