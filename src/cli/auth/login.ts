import { setTimeout as delay } from 'node:timers/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import { checkDuration, durationProblem, relativeTime } from '../../core/duration.js';
import { invalidError, NoetlError } from '../../core/errors.js';
import type { CommandContext } from '../context.js';
import { readInputSpec, type IO } from '../io.js';
import { printStructured, type OutputFormat } from '../output.js';
import { deviceFlowToken, issuerUrl } from './device-flow.js';
import { Gateway } from './gateway.js';
import { gatewayUrl } from './session.js';
import { currentContext, loadLogin, saveLogin } from './stored.js';

export interface AuthLoginOptions {
  gateway?: string;
  /** --auth0-token @file or -: an Auth0 access token for scripts. */
  auth0Token?: string;
  auth0Domain?: string;
  clientId?: string;
  audience?: string;
  sessionHours?: number;
  output: OutputFormat;
}

export interface AuthDeps {
  io: IO;
  env: NodeJS.ProcessEnv;
  info(message: string): void;
  warn(message: string): void;
  now(): Date;
  /** --context: whose login (default: the current context). */
  context?: string;
  /** Waits between polls of the device flow; tests pass one that moves their clock. */
  sleep?(ms: number): Promise<void>;
}

export function newAuthLoginCommand(ctx: CommandContext): Command {
  return new Command('login')
    .description('Log in to a gateway: Auth0 device code in the browser (or --auth0-token for scripts), then keep the session for the current context')
    .option('--gateway <url>', 'the gateway (default: NOETL_GATEWAY_URL, else the one logged in to before)')
    .option('--auth0-token <@file|->', 'an Auth0 access token from a file or stdin, instead of the device flow')
    .option('--auth0-domain <domain>', 'the Auth0 tenant (your-tenant.auth0.com; also NOETL_AUTH0_DOMAIN)')
    .option('--client-id <id>', 'the Auth0 application allowed the device code grant (also NOETL_AUTH0_CLIENT_ID)')
    .option('--audience <api>', 'the Auth0 API the gateway accepts tokens for (also NOETL_AUTH0_AUDIENCE)')
    .addOption(new Option('--session-duration <duration>', 'how long the session lasts, in whole hours (8h, 1d); the gateway may cap it').argParser(parseSessionHours))
    .addHelpText(
      'after',
      `
Examples:
  $ noetl auth login --gateway http://127.0.0.1:8090 --auth0-domain your-tenant.auth0.com --client-id Xy12… --audience https://noetl/api
  $ noetl auth login --gateway https://gateway.example.com --auth0-token @auth0.token --session-duration 12h
  $ get-auth0-token | noetl auth login --gateway http://127.0.0.1:8090 --auth0-token -

The session token goes to the OS keyring (a 0600 file where there is none), per context.`,
    )
    .action(async (opts: { gateway?: string; auth0Token?: string; auth0Domain?: string; clientId?: string; audience?: string; sessionDuration?: number }) => {
      await runAuthLogin(
        {
          gateway: opts.gateway,
          auth0Token: opts.auth0Token,
          auth0Domain: opts.auth0Domain ?? (ctx.env.NOETL_AUTH0_DOMAIN || undefined),
          clientId: opts.clientId ?? (ctx.env.NOETL_AUTH0_CLIENT_ID || undefined),
          audience: opts.audience ?? (ctx.env.NOETL_AUTH0_AUDIENCE || undefined),
          sessionHours: opts.sessionDuration,
          output: ctx.globals().output,
        },
        { io: ctx.io, env: ctx.env, info: (m) => ctx.info(m), warn: (m) => ctx.warn(m), now: () => ctx.now(), context: ctx.globals().context },
      );
    });
}

function parseSessionHours(value: string): number {
  const checked = checkDuration(value);
  if ('problem' in checked) throw new InvalidArgumentError(durationProblem(checked.problem));
  if (checked.seconds % 3600 !== 0) throw new InvalidArgumentError('expected whole hours, e.g. 8h or 1d');
  return checked.seconds / 3600;
}

/** The Auth0 access token: from --auth0-token (@file or -; never inline). */
export async function readAuth0Token(spec: string, io: IO): Promise<string> {
  const text = await readInputSpec(spec, '--auth0-token', io);
  if (text === undefined) throw invalidError('refusing --auth0-token given inline: it would leak into shell history and `ps`; pass --auth0-token @file or pipe it with --auth0-token -');
  const token = text.trim();
  if (token === '' || /\s/.test(token)) throw invalidError('--auth0-token: expected one access token (a JWT), got ' + (token === '' ? 'nothing' : 'several words'));
  return token;
}

/** What login, status and -o json show of a login; never the token. */
export function describeLogin(login: { gateway: string; email: string; roles: string[]; expires_at: string }, now: Date): string {
  const roles = login.roles.length ? ` (${login.roles.join(', ')})` : '';
  const expiry = login.expires_at ? `; the session expires ${login.expires_at} (${relativeTime(new Date(login.expires_at), now)})` : '';
  return `${login.email}${roles} at ${login.gateway}${expiry}`;
}


/** Gets an Auth0 token (device flow or --auth0-token), exchanges it for a session and keeps it for the current context. */
export async function runAuthLogin(opts: AuthLoginOptions, deps: AuthDeps): Promise<void> {
  const context = currentContext(deps.env, deps.context);
  const url = gatewayUrl({ gateway: opts.gateway }, deps.env, opts.gateway || deps.env.NOETL_GATEWAY_URL ? undefined : (await loadLogin(deps.env, context))?.gateway);
  let auth0Token: string;
  if (opts.auth0Token !== undefined) {
    auth0Token = await readAuth0Token(opts.auth0Token, deps.io);
  } else if (opts.auth0Domain && opts.clientId) {
    auth0Token = await deviceFlowToken(
      { domain: opts.auth0Domain, clientId: opts.clientId, audience: opts.audience },
      {
        prompt: (code) => {
          deps.io.stderr.write(`! First copy your one-time code: ${code.userCode}\n`);
          deps.io.stderr.write(`Then open ${code.verificationUriComplete ?? code.verificationUri} in a browser and approve the login (the code expires in ${Math.round(code.expiresInSeconds / 60)} minutes).\n`);
          deps.info('Waiting for the approval…');
        },
        sleep: deps.sleep ?? ((ms: number) => delay(ms)),
        now: () => deps.now(),
      },
    );
  } else {
    throw new NoetlError('invalid', 'nothing to log in with', {
      hint: { text: 'give --auth0-domain and --client-id (or NOETL_AUTH0_DOMAIN and NOETL_AUTH0_CLIENT_ID) for the device flow in a browser, or --auth0-token @file|- for scripts' },
    });
  }
  const domain = opts.auth0Domain ? issuerUrl(opts.auth0Domain).host : undefined;
  const answer = await new Gateway(url).login({
    auth0_token: auth0Token,
    ...(domain ? { auth0_domain: domain } : {}),
    ...(opts.sessionHours ? { session_duration_hours: opts.sessionHours } : {}),
  });
  if (typeof answer.session_token !== 'string' || answer.session_token === '') {
    throw new NoetlError('internal', `the gateway at ${url.origin} answered the login without a session token`);
  }
  const login = { gateway: url.href.replace(/\/$/, ''), email: answer.user?.email ?? '', roles: answer.user?.roles ?? [], expires_at: answer.expires_at ?? '' };
  const storedIn = await saveLogin(deps.env, context, answer.session_token, login, deps.warn);
  printStructured(deps.io, opts.output, { context, gateway: login.gateway, user: answer.user, expires_at: answer.expires_at, stored_in: storedIn });
  deps.info(`Logged in as ${describeLogin(login, deps.now())} (context '${context}')`);
}
