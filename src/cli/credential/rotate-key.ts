import { Command, InvalidArgumentError } from 'commander';
import type { CommandContext } from '../context.js';
import { hasReason, invalidError, NoetlError } from '../../core/errors.js';
import { printData } from '../output.js';
import { depsFrom, type CredentialDeps } from './input.js';

export interface RotateKeyOptions {
  /** File holding the new base64 master key; without it, rows are moved onto the current key (and legacy rows sealed). */
  newKeyFile?: string;
  batchSize: number;
}

export function newRotateKeyCommand(ctx: CommandContext): Command {
  return new Command('rotate-key')
    .description('Re-wrap every record (credentials, keychain, credential cache) under a new master key; seal legacy plaintext rows')
    .option('--new-key-file <file>', 'file holding the new master key (base64 of 32 bytes); default: the current key')
    .option('--batch-size <n>', 'rows per transaction', parseBatchSize, 100)
    .addHelpText(
      'after',
      `
Examples:
  $ noetl credential rotate-key --new-key-file new.key      # new.key: openssl rand -base64 32 > new.key
  $ NOETL_ENCRYPTION_KEY="$(cat new.key)" noetl credential key-status
  $ noetl credential rotate-key                             # only seal legacy rows, onto the current key

Interrupted? Run it again with the same keys: rows already on the new key are skipped.`,
    )
    .action(async (opts: RotateKeyOptions) => {
      await runRotateKey(opts, { ...depsFrom(ctx), env: ctx.env, verbose: ctx.globals().verbose, keysWithSource: () => keysWithSource(ctx) });
    });
}

function parseBatchSize(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 10000) throw new InvalidArgumentError('expected a whole number from 1 to 10000');
  return n;
}

async function keysWithSource(ctx: CommandContext) {
  const { loadKeysWithSource } = await import('../../backends/sql/keys.js');
  const store = await ctx.openStore();
  return loadKeysWithSource({ env: ctx.env, keyFile: ctx.globals().keyFile, backend: store.info.backend, purpose: 'read', warn: (m) => ctx.warn(m) });
}

export interface RotateKeyDeps extends CredentialDeps {
  verbose: boolean;
  env: NodeJS.ProcessEnv;
  keysWithSource(): Promise<import('../../backends/sql/keys.js').LoadedKeys>;
}

export async function runRotateKey(opts: RotateKeyOptions, deps: RotateKeyDeps): Promise<void> {
  const { masterKey, readKeyFile, replaceGeneratedKey } = await import('../../backends/sql/keys.js');
  const { rotateMasterKey } = await import('../../backends/sql/rotate.js');
  const store = await deps.store();
  const warn = (m: string) => deps.io.stderr.write(`warning: ${m}\n`);
  const newKey = opts.newKeyFile ? masterKey(readKeyFile(opts.newKeyFile, '--new-key-file', warn), 'file:key-file') : undefined;
  let loaded: import('../../backends/sql/keys.js').LoadedKeys | undefined;
  try {
    loaded = await deps.keysWithSource();
  } catch (err) {
    // With no key yet (rows from NoETL's Python server are plaintext), the new key alone seals them.
    if (!(newKey && hasReason(err, 'no-master-key'))) throw err;
  }
  const keys = loaded?.keys ?? { current: newKey!, previous: [] };
  const to = newKey ?? keys.current;
  if (loaded && newKey && to.kv === keys.current.kv) throw invalidError(`--new-key-file holds the current master key (${to.kv}): generate a new one with \`openssl rand -base64 32\``);
  const tty = deps.io.stderrIsTTY;
  const result = await rotateMasterKey(store, keys, to, {
    batchSize: opts.batchSize,
    onBatch: (p) => {
      const done = p.rewrapped + p.sealed + p.skipped + p.failed;
      const line = `${p.table}: ${done}/${p.total} (batch ${p.batch}: ${p.rewrapped} re-wrapped, ${p.sealed} sealed, ${p.skipped} already on the key)`;
      if (tty) deps.io.stderr.write(`\r\x1b[K${line}`);
      else if (deps.verbose) deps.io.stderr.write(`${line}\n`);
    },
  });
  if (tty) deps.io.stderr.write('\r\x1b[K');
  const rows = Object.entries(result.tables).map(([table, c]) => ({ table, ...c }));
  printData(deps.io, deps.output, { key: { kid: to.kid, kv: to.kv }, tables: rows, failures: result.failures }, () => ({
    head: ['TABLE', 'ROWS', 'RE-WRAPPED', 'SEALED', 'SKIPPED', 'FAILED'],
    rows: rows.map((r) => [r.table, String(r.total), String(r.rewrapped), String(r.sealed), String(r.skipped), String(r.failed)]),
  }));
  for (const f of result.failures) deps.io.stderr.write(`${f.table} '${f.row}' could not be re-wrapped: ${f.reason}\n`);
  if (result.failures.length > 0) {
    throw new NoetlError('unavailable', `${result.failures.length} row(s) open with none of the keys and were left as they are; every other row is on key ${to.kv}`);
  }
  const source = loaded?.source;
  if (opts.newKeyFile && source && (source.kind === 'generated-file' || source.kind === 'generated-keyring')) {
    await replaceGeneratedKey(deps.env, source, to.key);
    deps.info(`every record is on the new key ${to.kv}; the default key in ${source.location} was replaced with it`);
  } else if (opts.newKeyFile) {
    deps.info(`every record is on the new key ${to.kv}: from now on use it (NOETL_ENCRYPTION_KEY=$(cat ${opts.newKeyFile}) or --key-file ${opts.newKeyFile})${source ? ` instead of the key from ${source.location}` : ''}`);
  } else {
    deps.info(`every record is on the current key ${to.kv}`);
  }
}
