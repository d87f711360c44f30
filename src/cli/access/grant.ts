import { Command } from 'commander';
import type { GrantOptions } from '../../api/index.js';
import { invalidError } from '../../core/errors.js';
import type { CommandContext } from '../context.js';
import { printStructured, type OutputFormat } from '../output.js';
import { accessOf, type AccessDeps } from './common.js';

export function newAccessGrantCommand(ctx: CommandContext): Command {
  return new Command('grant')
    .description("Let a role execute, view and/or modify the playbooks a path or pattern names (the role's row for that pattern is written whole)")
    .argument('<role>', 'role name (noetl role ls)')
    .argument('<pattern>', "a playbook path, or a pattern with * (quote it: 'api_integration/*')")
    .option('--execute', 'may execute the playbooks')
    .option('--view', 'may view them')
    .option('--modify', 'may modify them')
    .option('--deny <pattern>', 'paths this grant never covers, even when the pattern matches (system/*)')
    .addHelpText(
      'after',
      "\nExamples:\n  $ noetl access grant developer 'api_integration/*' --execute --view\n  $ noetl access grant analyst 'data/*' --execute --view --deny 'data/pii/*'\n  $ noetl access grant viewer regression_test/hello_world --view -o json",
    )
    .action(async (role: string, pattern: string, opts: { execute?: boolean; view?: boolean; modify?: boolean; deny?: string }) => {
      await runAccessGrant(
        { role, pattern, execute: opts.execute, view: opts.view, modify: opts.modify, deny: opts.deny, output: ctx.globals().output },
        { io: ctx.io, client: await ctx.client(), info: (m) => ctx.info(m) },
      );
    });
}

export async function runAccessGrant(opts: GrantOptions & { output: OutputFormat }, deps: AccessDeps): Promise<void> {
  if (!opts.execute && !opts.view && !opts.modify) throw invalidError('nothing to grant', { hint: { text: 'give --execute, --view and/or --modify' } });
  const { output, ...grant } = opts;
  const result = await accessOf(deps.client).grant(grant);
  printStructured(deps.io, output, result);
  const p = result.permission;
  const what = [p.can_execute && 'execute', p.can_view && 'view', p.can_modify && 'modify'].filter(Boolean).join(', ');
  deps.info(`${result.created ? 'granted' : 'updated the grant of'} ${p.role_name}: ${what} on ${p.playbook_path}${opts.deny ? ` (except ${opts.deny})` : ''}`);
}
