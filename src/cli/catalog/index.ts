import { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { newLsCommand } from './ls.js';
import { newRegisterCommand } from './register.js';
import { newShowCommand } from './show.js';

export function newCatalogCommand(ctx: CommandContext): Command {
  return new Command('catalog')
    .description('The playbook catalog the keychain refers to: register playbooks (a version per path), list, show')
    .addHelpText(
      'after',
      `
Examples:
  $ noetl catalog register playbooks/travel_booking.yaml
  $ noetl catalog ls
  $ noetl catalog show integrations/travel_booking@2`,
    )
    .addCommand(newRegisterCommand(ctx))
    .addCommand(newLsCommand(ctx))
    .addCommand(newShowCommand(ctx));
}
