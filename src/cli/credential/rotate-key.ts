import { Command, InvalidArgumentError } from 'commander';
import type { RotationProgress } from '../../api/admin.js';
import type { CommandContext } from '../context.js';
import { hasReason, invalidError, NoetlError } from '../../core/errors.js';
import { printData } from '../output.js';
import { depsFrom, printWarnings, requireAdmin, type CredentialDeps } from './input.js';

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
      await runRotateKey(opts, { ...depsFrom(ctx), verbose: ctx.globals().verbose });
    });
}

function parseBatchSize(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 10000) throw new InvalidArgumentError('expected a whole number from 1 to 10000');
  return n;
}

export interface RotateKeyDeps extends CredentialDeps {
  verbose: boolean;
}

export async function runRotateKey(opts: RotateKeyOptions, deps: RotateKeyDeps): Promise<void> {
  const admin = requireAdmin(await deps.client(), 'credential rotate-key');
  const tty = deps.io.stderrIsTTY;
  const onBatch = (p: RotationProgress) => {
    const done = p.rewrapped + p.sealed + p.skipped + p.failed;
    const line = `${p.table}: ${done}/${p.total} (batch ${p.batch}: ${p.rewrapped} re-wrapped, ${p.sealed} sealed, ${p.skipped} already on the key)`;
    if (tty) deps.io.stderr.write(`\r\x1b[K${line}`);
    else if (deps.verbose) deps.io.stderr.write(`${line}\n`);
  };
  const result = await admin.rotateKey({ newKeyFile: opts.newKeyFile, batchSize: opts.batchSize, onBatch }).catch((err: unknown) => {
    if (hasReason(err, 'same-key')) throw invalidError('--new-key-file holds the current master key', { hint: err.hint });
    throw err;
  });
  if (tty) deps.io.stderr.write('\r\x1b[K');
  printWarnings(deps.io, result.warnings);
  const { kv } = result.key;
  printData(deps.io, deps.output, result, () => ({
    head: ['TABLE', 'ROWS', 'RE-WRAPPED', 'SEALED', 'SKIPPED', 'FAILED'],
    rows: result.tables.map((r) => [r.table, String(r.total), String(r.rewrapped), String(r.sealed), String(r.skipped), String(r.failed)]),
  }));
  for (const f of result.failures) deps.io.stderr.write(`${f.table} '${f.row}' could not be re-wrapped: ${f.reason}\n`);
  if (result.failures.length > 0) {
    throw new NoetlError('unavailable', `${result.failures.length} row(s) open with none of the keys and were left as they are; every other row is on key ${kv}`);
  }
  if (result.replaced_default_key) {
    deps.info(`every record is on the new key ${kv}; the default key in ${result.replaced_default_key} was replaced with it`);
  } else if (opts.newKeyFile) {
    const source = result.previous_key_source;
    deps.info(`every record is on the new key ${kv}: from now on use it (NOETL_ENCRYPTION_KEY=$(cat ${opts.newKeyFile}) or --key-file ${opts.newKeyFile})${source ? ` instead of the key from ${source}` : ''}`);
  } else {
    deps.info(`every record is on the current key ${kv}`);
  }
}
