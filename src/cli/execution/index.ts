import { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { newExecutionStatusCommand } from './status.js';

export function newExecutionCommand(ctx: CommandContext): Command {
  return new Command('execution')
    .description('Executions started through the gateway (noetl run): their status and result')
    .addHelpText('after', '\nExamples:\n  $ noetl execution status 507431238966182398\n  $ noetl execution status exec-12345 -o json')
    .addCommand(newExecutionStatusCommand(ctx));
}
