import { Command } from 'commander';
import type { NoetlClient } from '../../api/index.js';
import type { CommandContext } from '../context.js';

/** What the shell scripts ask the current backend for (`noetl completion __values KIND`). */
export const VALUE_KINDS = ['credentials', 'playbooks', 'keychain', 'contexts'] as const;
export type ValueKind = (typeof VALUE_KINDS)[number];

/**
 * A completion runs while the user waits at the prompt: past this, a PostgreSQL server gets
 * no more time (one that drops packets would hold the prompt for the pool's 10 s connection
 * timeout). The embedded database needs no budget: it is never waited for (lock timeout 0)
 * and is always closed properly, which an exit in the middle of its start would not do.
 */
const SERVER_BUDGET_MS = 2000;

/** The names of one kind, sorted, each once: credential names, playbook paths or keychain names, through the client. */
export async function completionValues(client: NoetlClient, kind: Exclude<ValueKind, 'contexts'>): Promise<string[]> {
  let names: string[];
  if (kind === 'credentials') names = (await client.credentials.list()).map((c) => c.name);
  else if (kind === 'playbooks') names = (await client.catalog.list({ latest: true })).map((e) => e.path);
  else names = (await client.keychain.list()).map((e) => e.keychain_name);
  return [...new Set(names)].sort();
}

/**
 * The names of one kind from the configured backend, read only (src/cli/client.ts
 * readOnlyBackend): an embedded database that does not exist yet is not created, one that
 * another command holds is not waited for, nothing is migrated, no master key is loaded.
 */
async function valuesFromBackend(ctx: CommandContext, kind: Exclude<ValueKind, 'contexts'>): Promise<string[]> {
  const { readOnlyBackend } = await import('../client.js');
  const backend = readOnlyBackend(ctx, 'noetl completion');
  if (!backend) return [];
  const work = (async () => {
    const client = await backend.open();
    try {
      return await completionValues(client, kind);
    } finally {
      await client.close();
    }
  })();
  if (backend.kind === 'embedded') return work;
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
        // Context names are in config.yaml: no backend is asked.
        if (kind === 'contexts') names = Object.keys((await import('../config.js')).loadConfigFile(ctx.env).contexts ?? {}).sort();
        else names = await valuesFromBackend(ctx, kind as Exclude<ValueKind, 'contexts'>);
      } catch {
        // Silent by design (see above).
      }
      ctx.io.stdout.write(names.map((n) => `${n}\n`).join(''));
    });
}
