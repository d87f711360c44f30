import { maskUrl } from '../../core/database-url.js';
import { contextBackend, loadConfigFile, type ConfigFile, type ContextEntry } from '../config.js';
import type { CommandContext } from '../context.js';
import type { IO } from '../io.js';
import type { OutputFormat } from '../output.js';

/** What the context verbs work with: config.yaml (through src/cli/config.ts) and the token store, never a client. */
export interface ContextDeps {
  io: IO;
  env: NodeJS.ProcessEnv;
  output: OutputFormat;
  /** --strict: unknown keys in config.yaml are errors. */
  strict: boolean;
  /** Confirmations on stderr (silenced by --quiet). */
  info(message: string): void;
  warn(message: string): void;
}

export function contextDeps(ctx: CommandContext): ContextDeps {
  const g = ctx.globals();
  return { io: ctx.io, env: ctx.env, output: g.output, strict: g.strict, info: (m) => ctx.info(m), warn: (m) => ctx.warn(m) };
}

export function readConfig(deps: ContextDeps): ConfigFile {
  return loadConfigFile(deps.env, { strict: deps.strict, warn: (m) => deps.warn(m) });
}

/** A context as `ls`, `show` and `add` print it (a database URL with its password masked; never a token). */
export interface ContextView {
  name: string;
  current: boolean;
  backend: 'http' | 'postgres' | 'embedded';
  location: string;
}

export function contextView(name: string, entry: ContextEntry, current: string | undefined): ContextView {
  const { kind, location } = contextBackend(entry);
  return { name, current: name === current, backend: kind, location: kind === 'postgres' ? maskUrl(location) : location };
}
