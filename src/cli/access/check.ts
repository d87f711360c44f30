import { Command, Option } from 'commander';
import type { AccessCheckResult, PlaybookPermissionType } from '../../api/index.js';
import type { CommandContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import type { IO } from '../io.js';
import { printData, keyValueView, type OutputFormat } from '../output.js';
import { accessOf, type AccessDeps } from './common.js';

export interface AccessCheckOptions {
  playbook: string;
  permission: PlaybookPermissionType | 'edit';
  /** Without it: the logged-in session, asked of its gateway. */
  user?: string;
  output: OutputFormat;
}

/** What check prints, from the database or from the gateway. */
interface Decision {
  allowed: boolean;
  user: { email: string; roles?: string[] } | null;
  playbook_path: string;
  permission_type: string;
  message?: string;
}

export function newAccessCheckCommand(ctx: CommandContext): Command {
  return new Command('check')
    .description('Whether a user may execute (view, modify) a playbook, as the gateway decides it: exit 0 allowed, 1 denied')
    .argument('<playbook>', 'the playbook path (api_integration/amadeus_ai_api)')
    .addOption(new Option('--permission <type>', 'what to check').choices(['execute', 'view', 'modify', 'edit']).default('execute'))
    .option('--user <email>', 'the user (an email, or a numeric user id); default: yourself, asked of the gateway you are logged in to')
    .option('--gateway <url>', 'without --user: the gateway (default: NOETL_GATEWAY_URL, else the one of `noetl auth login`)')
    .addHelpText(
      'after',
      '\nExamples:\n  $ noetl access check api_integration/amadeus_ai_api --user ada@example.com\n  $ noetl access check system/rotate_keys --permission modify --user 42 -o json\n  $ noetl access check regression_test/hello_world   # may I? (the session of noetl auth login)',
    )
    .action(async (playbook: string, opts: { permission: PlaybookPermissionType | 'edit'; user?: string; gateway?: string }) => {
      const output = ctx.globals().output;
      const setExitCode = (code: number) => ctx.setExitCode(code);
      if (opts.user === undefined) {
        const { sessionGateway } = await import('../auth/session.js');
        const gateway = await sessionGateway({ gateway: opts.gateway, context: ctx.globals().context }, ctx.env);
        printDecision({ playbook, permission: opts.permission, output }, { io: ctx.io, setExitCode }, await gateway.checkAccess(playbook, opts.permission));
        return;
      }
      await runAccessCheck({ playbook, permission: opts.permission, user: opts.user, output }, { io: ctx.io, client: await ctx.client(), info: (m) => ctx.info(m), setExitCode });
    });
}

/** Prints `allowed` or `denied` (the whole decision with -o json/yaml) and exits 1 when denied. */
export async function runAccessCheck(opts: AccessCheckOptions & { user: string }, deps: AccessDeps & { setExitCode(code: number): void }): Promise<AccessCheckResult> {
  const result = await accessOf(deps.client).check({ user: opts.user, playbook_path: opts.playbook, permission_type: opts.permission });
  printDecision(opts, deps, result);
  return result;
}

function printDecision(opts: AccessCheckOptions, deps: { io: IO; setExitCode(code: number): void }, decision: Decision): void {
  printData(deps.io, opts.output, decision, () =>
    keyValueView([
      ['decision', decision.allowed ? 'allowed' : 'denied'],
      ['user', decision.user?.email ?? opts.user ?? ''],
      ['roles', decision.user?.roles?.join(', ') ?? ''],
      ['playbook', decision.playbook_path],
      ['permission', decision.permission_type],
      ['why', decision.message ?? ''],
    ]),
  );
  if (!decision.allowed) deps.setExitCode(ExitCode.failure);
}
