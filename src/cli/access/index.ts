import { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { newAccessCheckCommand } from './check.js';
import { newAccessGrantCommand } from './grant.js';
import { newAccessLsCommand } from './ls.js';
import { newAccessRevokeCommand } from './revoke.js';

export function newAccessCommand(ctx: CommandContext): Command {
  return new Command('access')
    .description("Which roles may execute, view or modify which playbooks through the gateway (upstream's playbook permissions)")
    .addHelpText(
      'after',
      '\nExamples:\n  $ noetl access grant developer \'api_integration/*\' --execute --view --deny \'api_integration/internal_*\'\n  $ noetl access ls --role developer\n  $ noetl access check api_integration/amadeus_ai_api --permission execute --user ada@example.com\n  $ noetl access revoke developer \'api_integration/*\' --yes',
    )
    .addCommand(newAccessGrantCommand(ctx))
    .addCommand(newAccessRevokeCommand(ctx))
    .addCommand(newAccessLsCommand(ctx))
    .addCommand(newAccessCheckCommand(ctx));
}
