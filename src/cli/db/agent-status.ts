import { Command } from 'commander';
import type { AgentDescription } from '../../agent/files.js';
import type { CommandContext } from '../context.js';
import type { IO } from '../io.js';
import { keyValueView, printData, type OutputFormat } from '../output.js';
import { agentDataDir } from './agent.js';

export interface AgentStatusOptions {
  output: OutputFormat;
  dataDir: string;
}

export function newDbAgentStatusCommand(ctx: CommandContext): Command {
  return new Command('status')
    .description('Show the agent of the embedded data directory: pid, socket, uptime, connections (starts none)')
    .addHelpText('after', '\nExamples:\n  $ noetl db agent status\n  $ noetl db agent status -o json | jq .connections')
    .action(async () => {
      await runAgentStatus({ output: ctx.globals().output, dataDir: agentDataDir(ctx).dataDir }, { io: ctx.io, now: ctx.now() });
    });
}

export async function runAgentStatus(opts: AgentStatusOptions, deps: { io: IO; now: Date }): Promise<void> {
  const { describeAgent } = await import('../../agent/files.js');
  const agent = describeAgent(opts.dataDir, deps.now);
  printData(deps.io, opts.output, agent, () => keyValueView(agentRows(agent)));
}

/** The agent as FIELD/VALUE rows (also under `noetl db info`). */
export function agentRows(agent: AgentDescription): [string, string][] {
  if (!agent.running) return [['agent', 'not running (the next command on this data directory starts one)'], ['data dir', agent.data_dir], ['log', agent.log]];
  return [
    ['agent', agent.current_build ? 'running' : 'running, of another build (the next command replaces it)'],
    ['pid', String(agent.pid)],
    ['socket', agent.socket ?? '-'],
    ['uptime', `${agent.uptime_seconds}s (since ${agent.started_at})`],
    ['connections', String(agent.connections)],
    ['idle timeout', `${agent.idle_timeout_seconds}s`],
    ['log', agent.log],
  ];
}
