import { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { printStructured, type OutputFormat } from '../output.js';
import { Gateway } from './gateway.js';
import type { AuthDeps } from './login.js';
import { gatewayUrl, notLoggedIn } from './session.js';
import { currentContext, forgetLogin, loadLogin } from './stored.js';

export function newAuthLogoutCommand(ctx: CommandContext): Command {
  return new Command('logout')
    .description('End the session of the current context on the gateway, and forget it here')
    .addHelpText('after', '\nExamples:\n  $ noetl auth logout\n  $ noetl --context prod auth logout -o json   # {"context", "gateway", "ended_on_gateway", "forgotten": true}')
    .action(async () => {
      await runAuthLogout({ output: ctx.globals().output }, { io: ctx.io, env: ctx.env, info: (m) => ctx.info(m), warn: (m) => ctx.warn(m), now: () => ctx.now(), context: ctx.globals().context });
    });
}

/**
 * Invalidates the stored session on the gateway, then forgets it locally even when the gateway
 * could not be told (a warning says so: the session then lasts until it expires).
 */
export async function runAuthLogout(opts: { output: OutputFormat }, deps: AuthDeps): Promise<void> {
  const context = currentContext(deps.env, deps.context);
  const login = await loadLogin(deps.env, context);
  if (!login) throw notLoggedIn(context);
  let ended = true;
  try {
    await new Gateway(gatewayUrl({}, {}, login.gateway)).logout(login.token);
  } catch (err) {
    ended = false;
    deps.warn(`the gateway did not end the session (${err instanceof Error ? err.message : String(err)}); it stays valid there until ${login.expires_at || 'it expires'}`);
  }
  await forgetLogin(deps.env, context);
  printStructured(deps.io, opts.output, { context, gateway: login.gateway, ended_on_gateway: ended, forgotten: true });
  deps.info(`Logged out of ${login.gateway} (context '${context}')`);
}
