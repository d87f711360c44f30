import { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { printData } from '../output.js';
import { depsFrom, requireAdmin, type CredentialDeps } from './input.js';

export function newKeyStatusCommand(ctx: CommandContext): Command {
  return new Command('key-status')
    .description('Count sealed records per master key id/version, and legacy plaintext rows, in every table')
    .addHelpText('after', '\nExamples:\n  $ noetl credential key-status\n  $ noetl credential key-status -o json')
    .action(async () => {
      await runKeyStatus({}, depsFrom(ctx));
    });
}

/** Works without a master key too (the CURRENT column is then unknown). */
export async function runKeyStatus(_opts: Record<string, never>, deps: CredentialDeps): Promise<void> {
  const admin = requireAdmin(await deps.client(), 'credential key-status');
  const rows = await admin.keyStatus();
  printData(deps.io, deps.output, rows, () => ({
    head: ['TABLE', 'PROVIDER', 'KEY ID', 'KEY VERSION', 'RECORDS', 'CURRENT'],
    rows: rows.map((r) => [r.table, r.provider, r.kid ?? '-', r.kv ?? '-', String(r.records), r.current === null ? '?' : r.current ? 'yes' : 'no']),
  }));
  const legacy = rows.filter((r) => r.provider === 'legacy').reduce((n, r) => n + r.records, 0);
  if (legacy > 0) deps.info(`${legacy} legacy plaintext row(s): run \`noetl credential rotate-key\` to seal them`);
}
