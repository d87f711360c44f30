import { Command } from 'commander';
import { NoetlError } from '../../core/errors.js';
import type { CommandContext } from '../context.js';
import type { IO } from '../io.js';
import { printStructured, type OutputFormat } from '../output.js';
import { agentDataDir } from './agent.js';

export interface AgentStopOptions {
  output: OutputFormat;
  dataDir: string;
}

export function newDbAgentStopCommand(ctx: CommandContext): Command {
  return new Command('stop')
    .description('Stop the agent of the embedded data directory (it finishes the statement in progress; an open transaction rolls back)')
    .addHelpText('after', '\nExamples:\n  $ noetl db agent stop\n  $ noetl --data-dir ./db db agent stop -o json')
    .action(async () => {
      await runAgentStop({ output: ctx.globals().output, dataDir: agentDataDir(ctx).dataDir }, { io: ctx.io, info: (m) => ctx.info(m) });
    });
}

export async function runAgentStop(opts: AgentStopOptions, deps: { io: IO; info(message: string): void }): Promise<void> {
  const { liveAgent, realDir } = await import('../../agent/files.js');
  const dataDir = realDir(opts.dataDir);
  const agent = liveAgent(dataDir);
  if (agent && !(await (await import('../../agent/client.js')).stopAgent(dataDir, agent))) {
    throw new NoetlError('unavailable', `the agent of ${dataDir} (pid ${agent.pid}) did not stop within 10s: try again, or kill ${agent.pid}`);
  }
  const result = { data_dir: dataDir, pid: agent?.pid ?? null, stopped: agent !== undefined };
  if (opts.output !== 'table') printStructured(deps.io, opts.output, result);
  else deps.info(agent ? `stopped the agent of ${dataDir} (pid ${agent.pid})` : `no agent runs for ${dataDir}`);
}
