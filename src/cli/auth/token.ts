import { Command } from 'commander';
import { invalidError } from '../../core/errors.js';
import type { CommandContext } from '../context.js';
import type { IO } from '../io.js';
import { currentSession } from './session.js';

export function newAuthTokenCommand(ctx: CommandContext): Command {
  return new Command('token')
    .description('Print the session token of the current context, for $(…) (a secret: needs --reveal)')
    .option('--reveal', 'print it in the clear')
    .addHelpText('after', '\nExamples:\n  $ curl -H "Authorization: Bearer $(noetl auth token --reveal)" http://127.0.0.1:8090/graphql -d @query.json')
    .action(async (opts: { reveal?: boolean }) => {
      await runAuthToken({ reveal: Boolean(opts.reveal) }, { io: ctx.io, env: ctx.env, context: ctx.globals().context });
    });
}

export async function runAuthToken(opts: { reveal: boolean }, deps: { io: IO; env: NodeJS.ProcessEnv; context?: string }): Promise<void> {
  if (!opts.reveal) throw invalidError('the session token is a secret', { hint: { option: 'reveal', text: 'to print it' } });
  const session = await currentSession(deps.env, deps.context);
  deps.io.stdout.write(`${session.token}\n`);
}
