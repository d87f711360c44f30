import { Command } from 'commander';
import { resolve } from 'node:path';
import { checkDatabaseUrl } from '../../core/database-url.js';
import { conflictError, invalidError } from '../../core/errors.js';
import { checkContextName, deleteSecret, setSecret } from '../../io/token-store.js';
import { readTokenFile } from '../client.js';
import { checkServerUrl, updateConfigFile, type ContextEntry } from '../config.js';
import type { CommandContext } from '../context.js';
import { printStructured } from '../output.js';
import { contextDeps, contextView, readConfig, type ContextDeps } from './shared.js';

export interface ContextAddOptions {
  name: string;
  server?: string;
  /** The token's file, or - for stdin (only with server). */
  tokenFile?: string;
  databaseUrl?: string;
  dataDir?: string;
  /** Replace a context of that name (its token is kept when the server stays the same and no new one is given). */
  replace: boolean;
  /** Make it the current context too. */
  use: boolean;
}

export function newContextAddCommand(ctx: CommandContext): Command {
  return new Command('add')
    .description("Add a context: a NoETL server (--server URL, its token from --token-file), or a database (--database-url URL or --data-dir DIR); the token goes to the OS keyring (or a 0600 file), never to config.yaml")
    .argument('<name>', 'context name (letters, digits, ., _, -)')
    .option('--replace', 'replace the context of that name')
    .option('--use', 'make it the current context too')
    .addHelpText(
      'after',
      `
Examples:
  $ noetl context add prod --server https://noetl.example.com --token-file prod.token --use
  $ noetl token create laptop --role writer | noetl context add dev --server http://127.0.0.1:8082 --token-file -
  $ noetl context add staging-db --database-url postgres://noetl@db.staging/noetl
  $ noetl context add scratch --data-dir ./scratch-db`,
    )
    .action(async (name: string, opts: { replace?: boolean; use?: boolean }) => {
      const g = ctx.globals();
      if (g.context !== undefined) throw invalidError('--context chooses a context to work with: `noetl context add NAME` names the new one');
      await runContextAdd(
        { name, server: g.server, tokenFile: g.tokenFile, databaseUrl: g.databaseUrl, dataDir: g.dataDir, replace: Boolean(opts.replace), use: Boolean(opts.use) },
        contextDeps(ctx),
      );
    });
}

/** Checks the backend, stores the token (if any), then writes the context to config.yaml. */
export async function runContextAdd(opts: ContextAddOptions, deps: ContextDeps): Promise<void> {
  checkContextName(opts.name);
  const given = [opts.server && '--server', opts.databaseUrl && '--database-url', opts.dataDir && '--data-dir'].filter(Boolean);
  if (given.length !== 1) {
    throw invalidError(
      given.length === 0
        ? `context '${opts.name}' needs a backend: give --server URL (with --token-file FILE), --database-url URL or --data-dir DIR`
        : `${given[0]} and ${given[1]} name two different backends: give one of them`,
    );
  }
  if (opts.tokenFile !== undefined && !opts.server) throw invalidError('--token-file is the token of a NoETL server: give it with --server URL');
  let entry: ContextEntry;
  if (opts.server) entry = { server: checkServerUrl(opts.server, '--server') };
  else if (opts.databaseUrl) {
    checkDatabaseUrl(opts.databaseUrl, '--database-url');
    entry = { database_url: opts.databaseUrl };
  } else entry = { data_dir: resolve(opts.dataDir!) };

  const file = readConfig(deps);
  const existing = file.contexts?.[opts.name];
  if (existing && !opts.replace) throw conflictError(`context '${opts.name}' already exists`, { hint: { option: 'replace', text: 'to replace it' } });
  const token = opts.tokenFile === undefined ? undefined : await readTokenFile(opts.tokenFile, deps.io, (m) => deps.warn(m));

  let tokenLocation: string | null = null;
  if (token !== undefined) tokenLocation = await setSecret(deps.env, opts.name, token, { kind: 'token', warn: (m) => deps.warn(m) });
  // A token kept for the context it replaces belongs to that server only.
  else if (existing && existing.server !== entry.server) await deleteSecret(deps.env, opts.name, 'token');

  updateConfigFile(deps.env, (doc) => {
    doc.setIn(['contexts', opts.name], doc.createNode(entry));
    if (opts.use) doc.set('current_context', opts.name);
  });
  const current = opts.use ? opts.name : file.current_context;
  const view = contextView(opts.name, entry, current);
  printStructured(deps.io, deps.output, { ...view, token: tokenLocation });
  const stored = tokenLocation ? `; token stored in ${tokenLocation}` : '';
  deps.info(`${existing ? 'replaced' : 'added'} context '${opts.name}' (${view.backend} ${view.location})${stored}${opts.use ? '; it is the current context' : ''}`);
}
