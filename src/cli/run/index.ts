import { Command, InvalidArgumentError, Option } from 'commander';
import { checkDuration, durationProblem } from '../../core/duration.js';
import type { CommandContext } from '../context.js';

export function newRunCommand(ctx: CommandContext): Command {
  return new Command('run')
    .description("Execute a playbook through the gateway's GraphQL API (executePlaybook) and print its execution id")
    .argument('<playbook>', 'catalog path of the playbook (api_integration/amadeus_ai_api)')
    .option('--var <name=value>', 'a workload variable (repeatable; a string value; wins over --vars)', collectVar)
    .option('--vars <@file|->', 'workload variables: a JSON/YAML object from a file or stdin')
    .option('--wait', 'poll the execution until it ends: exit 0 completed, 1 failed')
    .addOption(new Option('--timeout <duration>', 'with --wait: how long to wait (10m, 1h)').default(600, '10m').argParser(parseTimeout))
    .option('--gateway <url>', 'the gateway (default: NOETL_GATEWAY_URL, else the one of `noetl auth login`)')
    .addHelpText(
      'after',
      `
Examples:
  $ noetl run regression_test/hello_world
  $ noetl run api_integration/amadeus_ai_api --var query='Flight from SFO to JFK' --wait
  $ noetl run etl/daily --vars @workload.yaml --wait --timeout 1h -o json
  $ EXEC=$(noetl run etl/daily --gateway http://127.0.0.1:8090) && noetl execution status "$EXEC"

The session comes from \`noetl auth login\`, or NOETL_SESSION_TOKEN.`,
    )
    .action(async (playbook: string, opts: { var?: [string, string][]; vars?: string; wait?: boolean; timeout: number; gateway?: string }) => {
      const [{ runRun }, { sessionGateway }] = await Promise.all([import('./run.js'), import('../auth/session.js')]);
      await runRun(
        { playbook, vars: opts.var ?? [], varsFile: opts.vars, wait: Boolean(opts.wait), timeoutSeconds: opts.timeout, output: ctx.globals().output },
        { io: ctx.io, gateway: () => sessionGateway({ gateway: opts.gateway, context: ctx.globals().context }, ctx.env), info: (m) => ctx.info(m), now: () => ctx.now() },
      );
    });
}

/** --var name=value, repeatable. */
function collectVar(value: string, previous: [string, string][] | undefined): [string, string][] {
  const at = value.indexOf('=');
  if (at <= 0) throw new InvalidArgumentError('expected name=value, e.g. --var region=us-east-1');
  return [...(previous ?? []), [value.slice(0, at), value.slice(at + 1)]];
}

function parseTimeout(value: string): number {
  const checked = checkDuration(value);
  if ('problem' in checked) throw new InvalidArgumentError(durationProblem(checked.problem));
  return checked.seconds;
}
