import { Command } from 'commander';
import type { Gateway } from '../auth/gateway.js';
import type { CommandContext } from '../context.js';
import type { IO } from '../io.js';
import { printData, keyValueView, type OutputFormat } from '../output.js';

export interface ExecutionStatusDeps {
  io: IO;
  gateway(): Promise<Gateway>;
}

export function newExecutionStatusCommand(ctx: CommandContext): Command {
  return new Command('status')
    .description("An execution's status and result, from the gateway's GraphQL execution(id)")
    .argument('<id>', 'execution id (as `noetl run` printed it)')
    .option('--gateway <url>', 'the gateway (default: NOETL_GATEWAY_URL, else the one of `noetl auth login`)')
    .addHelpText('after', '\nExamples:\n  $ noetl execution status 507431238966182398\n  $ noetl execution status "$EXEC" -o json | jq .result')
    .action(async (id: string, opts: { gateway?: string }) => {
      const { sessionGateway } = await import('../auth/session.js');
      await runExecutionStatus({ id, output: ctx.globals().output }, { io: ctx.io, gateway: () => sessionGateway({ gateway: opts.gateway, context: ctx.globals().context }, ctx.env) });
    });
}

/** Prints the execution's id, status and result (exit 0 whatever the status: `noetl run --wait` judges it). */
export async function runExecutionStatus(opts: { id: string; output: OutputFormat }, deps: ExecutionStatusDeps): Promise<void> {
  const state = await (await deps.gateway()).execution(opts.id);
  printData(deps.io, opts.output, state, () =>
    keyValueView([
      ['id', String(state.id)],
      ['status', state.status],
      ['result', state.result === undefined || state.result === null ? '' : JSON.stringify(state.result)],
    ]),
  );
}
