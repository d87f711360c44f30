import { Command } from 'commander';
import { NoetlError } from '../../core/errors.js';
import type { CommandContext } from '../context.js';
import { keyValueView, printData, type OutputFormat } from '../output.js';
import { Gateway } from './gateway.js';
import { describeLogin, type AuthDeps } from './login.js';
import { currentSession, gatewayUrl } from './session.js';

export function newAuthStatusCommand(ctx: CommandContext): Command {
  return new Command('status')
    .description('Who the session of the current context is, its roles and expiry, as the gateway sees it (exit 1 when logged out or expired)')
    .option('--gateway <url>', 'the gateway (default: NOETL_GATEWAY_URL, else the one logged in to)')
    .addHelpText('after', '\nExamples:\n  $ noetl auth status\n  $ noetl auth status -o json | jq -r .user.email\n  $ noetl auth status -q || noetl auth login')
    .action(async (opts: { gateway?: string }) => {
      await runAuthStatus({ gateway: opts.gateway, output: ctx.globals().output }, { io: ctx.io, env: ctx.env, info: (m) => ctx.info(m), warn: (m) => ctx.warn(m), now: () => ctx.now(), context: ctx.globals().context });
    });
}

/** Asks the gateway to validate the session; prints it, or fails (exit 1) when there is none or it ended. */
export async function runAuthStatus(opts: { gateway?: string; output: OutputFormat }, deps: AuthDeps): Promise<void> {
  const session = await currentSession(deps.env, deps.context);
  const url = gatewayUrl({ gateway: opts.gateway }, deps.env, session.gateway);
  const answer = await new Gateway(url).validate(session.token);
  if (!answer.valid || !answer.user) {
    throw new NoetlError('unauthenticated', `the session of context '${session.context}' is no longer valid at ${url.origin} (${answer.message ?? 'expired or logged out'})`, {
      hint: { command: 'auth login', text: 'to start a new one' },
    });
  }
  const gateway = url.href.replace(/\/$/, '');
  const record = { context: session.context, gateway, valid: true, user: answer.user, expires_at: answer.expires_at, token_from: session.source };
  printData(deps.io, opts.output, record, () =>
    keyValueView([
      ['context', session.context],
      ['gateway', gateway],
      ['user', answer.user!.email],
      ['name', answer.user!.display_name ?? ''],
      ['roles', (answer.user!.roles ?? []).join(', ')],
      ['expires', answer.expires_at ?? ''],
      ['token', session.source],
    ]),
  );
  deps.info(`Logged in as ${describeLogin({ gateway, email: answer.user.email, roles: answer.user.roles ?? [], expires_at: answer.expires_at ?? '' }, deps.now())}`);
}
