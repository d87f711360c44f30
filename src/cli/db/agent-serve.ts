import { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { agentDataDir } from './agent.js';

/** Hidden: what the first command on an embedded data directory starts, detached (src/agent/client.ts). */
export function newDbAgentServeCommand(ctx: CommandContext): Command {
  return new Command('serve')
    .description('Run the agent of the embedded data directory in the foreground (started by commands; not for direct use)')
    .action(async () => {
      const { runAgent } = await import('../../agent/run.js');
      const { dataDir, schema, idleMs } = agentDataDir(ctx);
      const stopped = new Promise<string>((resolve) => {
        for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.once(signal, () => resolve(signal));
      });
      await runAgent({ dataDir, schema, idleMs, stopped, log: (m) => ctx.io.stderr.write(`${new Date().toISOString()} agent: ${m}\n`) });
    });
}
