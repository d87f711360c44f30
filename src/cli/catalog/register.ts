import { Command } from 'commander';
import type { NoetlClient } from '../../api/index.js';
import type { CommandContext } from '../context.js';
import { invalidError } from '../../core/errors.js';
import { readStdin, readTextFile, type IO } from '../io.js';
import { printStructured, type OutputFormat } from '../output.js';

export interface RegisterOptions {
  /** A playbook file, or - for stdin. */
  file: string;
  output: OutputFormat;
}

export interface RegisterDeps {
  io: IO;
  client: NoetlClient;
  info(message: string): void;
}

export function newRegisterCommand(ctx: CommandContext): Command {
  return new Command('register')
    .description('Register a playbook under its metadata.path, as the next version of that path (content identical to the latest version registers nothing and returns that version)')
    .argument('<file>', 'the playbook YAML file, or - for stdin')
    .addHelpText('after', '\nExamples:\n  $ noetl catalog register playbooks/travel_booking.yaml\n  $ noetl catalog register playbook.yaml -o json | jq -r .catalog_id')
    .action(async (file: string) => {
      const content = await readPlaybook(file, ctx.io);
      const client = await ctx.client();
      await runRegister({ file, output: ctx.globals().output }, { io: ctx.io, client, info: (m) => ctx.info(m) }, content);
    });
}

/** A playbook's text from FILE or `-` (stdin), at most MAX_INPUT_BYTES (src/io/input-file.ts). */
export async function readPlaybook(file: string, io: IO): Promise<string> {
  if (file !== '-') return readTextFile(file, `playbook file ${file}`);
  if (io.stdinIsTTY) throw invalidError('- reads the playbook from stdin, but stdin is a terminal: pipe it in, or give its file');
  return readStdin(io, 'the playbook on stdin');
}

export async function runRegister(opts: RegisterOptions, deps: RegisterDeps, content?: string): Promise<void> {
  const text = content ?? (await readPlaybook(opts.file, deps.io));
  const entry = await deps.client.catalog.register({ content: text, source: opts.file === '-' ? 'stdin' : opts.file });
  if (opts.output === 'table') deps.io.stdout.write(`${entry.catalog_id}\n`);
  else printStructured(deps.io, opts.output, entry);
  deps.info(
    entry.unchanged
      ? `unchanged: ${entry.path} version ${entry.version} (catalog id ${entry.catalog_id}) already holds this content; no new version`
      : `registered ${entry.path} version ${entry.version} as catalog id ${entry.catalog_id}`,
  );
}
