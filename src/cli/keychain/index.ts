import { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { newGetCommand } from './get.js';
import { newLsCommand } from './ls.js';
import { newRenewCommand } from './renew.js';
import { newResolveCommand } from './resolve.js';
import { newRmCommand } from './rm.js';
import { newSetCommand } from './set.js';
import { newStatsCommand } from './stats.js';

export function newKeychainCommand(ctx: CommandContext): Command {
  return new Command('keychain')
    .description('Scoped, expiring tokens of playbooks: list, read, store, delete, renew, and resolve a playbook keychain section')
    .addHelpText(
      'after',
      `
Examples:
  $ noetl keychain ls --playbook integrations/travel_booking
  $ noetl keychain get amadeus_token --playbook integrations/travel_booking --field access_token --reveal
  $ noetl keychain set amadeus_token --playbook integrations/travel_booking --data @token.json --ttl 30m
  $ noetl keychain rm --expired --older-than 7d --yes
  $ noetl keychain resolve playbooks/travel_booking.yaml --execution 518508477736551392 --dry-run`,
    )
    .addCommand(newLsCommand(ctx))
    .addCommand(newGetCommand(ctx))
    .addCommand(newSetCommand(ctx))
    .addCommand(newRmCommand(ctx))
    .addCommand(newRenewCommand(ctx))
    .addCommand(newStatsCommand(ctx))
    .addCommand(newResolveCommand(ctx));
}
