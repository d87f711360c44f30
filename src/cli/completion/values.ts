import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import type { NoetlClient } from '../../api/index.js';
import type { Store } from '../../backends/sql/store.js';
import type { CommandContext } from '../context.js';

/** What the shell scripts ask the current backend for (`noetl completion __values KIND`). */
export const VALUE_KINDS = ['credentials', 'playbooks', 'keychain'] as const;
export type ValueKind = (typeof VALUE_KINDS)[number];

/**
 * A completion runs while the user waits at the prompt: past this, a PostgreSQL server gets
 * no more time (one that drops packets would hold the prompt for the pool's 10 s connection
 * timeout). The embedded database needs no budget: it is never waited for (lock timeout 0)
 * and is always closed properly, which an exit in the middle of its start would not do.
 */
const SERVER_BUDGET_MS = 2000;

/**
 * The names of one kind, sorted, each once. Playbook paths come from the client; credential
 * and keychain names still from the store, until the credentials and keychain groups list them.
 */
export async function completionValues(client: NoetlClient, store: Store, kind: ValueKind): Promise<string[]> {
  let names: string[];
  if (kind === 'credentials') {
    const { selectCredentials } = await import('../../backends/sql/credential.js');
    names = (await selectCredentials(store)).map((c) => c.name);
  } else if (kind === 'playbooks') {
    names = (await client.catalog.list({ latest: true })).map((e) => e.path);
  } else {
    const { listKeychainEntries } = await import('../../backends/sql/keychain.js');
    names = (await listKeychainEntries(store, {}, new Date())).map((e) => e.keychain_name);
  }
  return [...new Set(names)].sort();
}

/**
 * The names of one kind from the configured backend, read only: an embedded database that does
 * not exist yet is not created (a completion must not leave a data directory and a key
 * behind), one that another command holds is not waited for, and nothing is migrated.
 */
async function valuesFromBackend(ctx: CommandContext, kind: ValueKind): Promise<string[]> {
  const g = ctx.globals();
  const [{ resolveConnection }, { openStore }, { createLocalClient }] = await Promise.all([
    import('../../backends/sql/config.js'),
    import('../../backends/sql/connect.js'),
    import('../../backends/local/index.js'),
  ]);
  const config = resolveConnection({ databaseUrl: g.databaseUrl, dataDir: g.dataDir }, ctx.env);
  if (config.backend === 'embedded' && !existsSync(join(config.dataDir, 'PG_VERSION'))) return [];
  const work = (async () => {
    const store = await openStore(config, { lockTimeoutMs: 0, command: 'noetl completion', schemaCheck: 'none', poolSize: 1 });
    // Names only: no operation here opens a sealed record, so no master key is ever loaded.
    const client = createLocalClient({ store, keys: () => Promise.reject(new Error('completion reads no sealed record')) });
    try {
      return await completionValues(client, store, kind);
    } finally {
      await store.close();
    }
  })();
  if (config.backend === 'embedded') return work;
  work.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const outOfTime = new Promise<string[]>((resolve) => (timer = setTimeout(() => resolve([]), SERVER_BUDGET_MS)));
  try {
    return await Promise.race([work, outOfTime]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `noetl completion __values KIND` (hidden): credential names, playbook paths or keychain
 * names from the current backend, one a line, for the completion scripts. Fast and silent:
 * any error (no database, locked, unreachable, an unknown kind) prints nothing, exit 0,
 * since whatever it printed would land in the user's command line.
 */
export function newValuesCommand(ctx: CommandContext): Command {
  return new Command('__values')
    .description('Names from the current backend for shell completion (used by the completion scripts)')
    .argument('<kind>', VALUE_KINDS.join(', '))
    .action(async (kind: string) => {
      if (!(VALUE_KINDS as readonly string[]).includes(kind)) return;
      let names: string[] = [];
      try {
        names = await valuesFromBackend(ctx, kind as ValueKind);
      } catch {
        // Silent by design (see above).
      }
      ctx.io.stdout.write(names.map((n) => `${n}\n`).join(''));
    });
}
