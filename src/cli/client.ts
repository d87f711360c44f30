/**
 * The one place the CLI builds a NoetlClient: the local client over the configured database
 * (flags, environment, config file) and the master keys for it. Commands see only the client.
 */
import type { NoetlClient } from '../api/index.js';
import { createLocalClient } from '../backends/local/index.js';
import type { CommandContext } from './context.js';

export async function openClient(ctx: Pick<CommandContext, 'openStore' | 'keys'>): Promise<NoetlClient> {
  const store = await ctx.openStore();
  return createLocalClient({ store, keys: (purpose) => ctx.keys(purpose) });
}
