import { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { printData } from '../output.js';
import { depsFrom, type CredentialDeps } from './input.js';

export interface LsOptions {
  type?: string;
  tags: string[];
}

export function newLsCommand(ctx: CommandContext): Command {
  return new Command('ls')
    .alias('list')
    .description('List credentials (never their data)')
    .option('-t, --type <type>', 'only this type')
    .option('--tag <tag>', 'only credentials with this tag (repeatable: all of them)', (v: string, p: string[]) => [...p, v], [])
    .addHelpText('after', '\nExamples:\n  $ noetl credential ls\n  $ noetl credential ls --type postgres --tag prod\n  $ noetl credential ls -o json | jq -r \'.[].name\'')
    .action(async (opts: { type?: string; tag: string[] }) => {
      await runLs({ type: opts.type, tags: opts.tag }, depsFrom(ctx));
    });
}

export async function runLs(opts: LsOptions, deps: CredentialDeps): Promise<void> {
  const client = await deps.client();
  const list = await client.credentials.list({ type: opts.type, tags: opts.tags });
  printData(deps.io, deps.output, list, () => ({
    head: ['NAME', 'TYPE', 'TAGS', 'UPDATED', 'DESCRIPTION'],
    rows: list.map((c) => [c.name, c.type, c.tags.join(',') || '-', c.updated_at, c.description ?? '-']),
  }));
}
