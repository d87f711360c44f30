import type { NoetlClient } from '../../api/index.js';
import type { CommandContext } from '../context.js';
import { requireAdmin } from '../credential/input.js';

/**
 * The admin group for a `db` command: the client over a store opened without the schema check
 * (these commands inspect and migrate the schema themselves, so a missing or old one is no error).
 */
export async function dbAdmin(ctx: CommandContext, command: string): Promise<NonNullable<NoetlClient['admin']>> {
  return requireAdmin(await ctx.client({ schemaCheck: 'none' }), command);
}
