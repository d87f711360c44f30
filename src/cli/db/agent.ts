import { Command } from 'commander';
import { NoetlError } from '../../core/errors.js';
import { resolveConnection } from '../config.js';
import type { CommandContext } from '../context.js';
import { newDbAgentServeCommand } from './agent-serve.js';
import { newDbAgentStatusCommand } from './agent-status.js';
import { newDbAgentStopCommand } from './agent-stop.js';

export function newDbAgentCommand(ctx: CommandContext): Command {
  return new Command('agent')
    .description('The background process that serves an embedded data directory to commands (started by the first command; NOETL_EMBEDDED_AGENT=off turns it off)')
    .addHelpText('after', '\nExamples:\n  $ noetl db agent status\n  $ noetl db agent stop\n  $ NOETL_EMBEDDED_AGENT=off noetl credential ls')
    .addCommand(newDbAgentStatusCommand(ctx))
    .addCommand(newDbAgentStopCommand(ctx))
    .addCommand(newDbAgentServeCommand(ctx), { hidden: true });
}

/** The configured embedded data directory, and the schema and agent settings for it; an error for PostgreSQL (it has no agent). */
export function agentDataDir(ctx: CommandContext): { dataDir: string; schema: string; idleMs: number } {
  const g = ctx.globals();
  const config = resolveConnection({ databaseUrl: g.databaseUrl, dataDir: g.dataDir }, ctx.env);
  if (config.backend !== 'embedded') {
    throw new NoetlError('invalid', `the database agent serves an embedded data directory, and the configured database is PostgreSQL (${config.source}): use --data-dir, or unset ${config.source}`);
  }
  return { dataDir: config.dataDir, schema: config.schema, idleMs: config.agent?.idleMs ?? 10 * 60_000 };
}
