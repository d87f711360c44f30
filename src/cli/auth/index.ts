import { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { newAuthLoginCommand } from './login.js';
import { newAuthLogoutCommand } from './logout.js';
import { newAuthStatusCommand } from './status.js';
import { newAuthTokenCommand } from './token.js';

export function newAuthCommand(ctx: CommandContext): Command {
  return new Command('auth')
    .description('Log in to a NoETL gateway with Auth0 (device code or a token), and manage the session of the current context')
    .addHelpText(
      'after',
      '\nExamples:\n  $ noetl auth login --gateway http://127.0.0.1:8090 --auth0-domain your-tenant.auth0.com --client-id Xy12… --audience https://noetl/api\n  $ noetl auth login --gateway http://127.0.0.1:8090 --auth0-token @auth0.token\n  $ noetl auth status\n  $ curl -H "Authorization: Bearer $(noetl auth token --reveal)" http://127.0.0.1:8090/graphql …\n  $ noetl auth logout',
    )
    .addCommand(newAuthLoginCommand(ctx))
    .addCommand(newAuthStatusCommand(ctx))
    .addCommand(newAuthTokenCommand(ctx))
    .addCommand(newAuthLogoutCommand(ctx));
}
