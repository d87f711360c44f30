import type { Command, Option } from 'commander';
import { rulesManSection } from '../lint/rules-man.js';
import { examples, flatten, walk, type CommandNode } from './tree.js';

/**
 * Man pages generated from the command tree: noetl(1) and one page per noun
 * (noetl-credential(1), …). `npm run gen` writes them to man/.
 */
export function manPages(program: Command, version: string): Map<string, string> {
  const root = walk(program);
  const pages = new Map<string, string>();
  pages.set('noetl.1', rootPage(root, version));
  for (const noun of root.children) pages.set(`noetl-${noun.command.name()}.1`, nounPage(noun, version));
  return pages;
}

/** Escapes text for roff: backslashes, and a leading dot or quote. */
function roff(text: string): string {
  return text.replace(/\\/g, '\\e').replace(/-/g, '\\-').replace(/^([.'])/gm, '\\&$1');
}

function header(name: string, version: string): string[] {
  return [`.TH ${name.toUpperCase()} 1 "" "noetl ${version}" "noetl manual"`];
}

function optionLines(options: Option[]): string[] {
  return options.flatMap((o) => ['.TP', `.B ${roff(o.flags)}`, roff(o.description + (o.argChoices ? ` (one of: ${o.argChoices.join(', ')})` : ''))]);
}

function usage(node: CommandNode): string {
  return `${node.path.join(' ')} ${node.command.usage()}`;
}

function exampleLines(node: CommandNode): string[] {
  const list = examples(node.command);
  if (!list.length) return [];
  return ['.PP', 'Examples:', '.PP', '.RS 4', '.nf', ...list.map((e) => roff(`$ ${e}`)), '.fi', '.RE'];
}

function rootPage(root: CommandNode, version: string): string {
  return [
    ...header('noetl', version),
    '.SH NAME',
    `noetl \\- ${roff(root.command.description())}`,
    '.SH SYNOPSIS',
    `.B noetl`,
    roff('[global options] <command> <subcommand> [options]'),
    '.SH DESCRIPTION',
    roff(
      'noetl manages the authentication data plane of NoETL: credentials encrypted at rest, the keychain of scoped, expiring tokens, the credential cache and execution variables, and the database schema that holds them. It lints the auth and keychain sections of playbooks. With no database configured it uses an embedded PostgreSQL (PGlite) in a data directory.',
    ),
    '.SH COMMANDS',
    ...root.children.flatMap((n) => ['.TP', `.B ${roff(n.path.join(' '))}`, `${roff(n.command.description())} See \\fBnoetl\\-${roff(n.command.name())}\\fR(1).`]),
    '.SH GLOBAL OPTIONS',
    ...optionLines(root.options),
    '.SH CONFIGURATION',
    roff(
      'The backend is chosen by, in this order: --server, --database-url, --data-dir or --context (one of them); NOETL_SERVER_URL, NOETL_DATABASE_URL or NOETL_DATA_DIR; the current context (current_context and contexts in $XDG_CONFIG_HOME/noetl/config.yaml, set by noetl context); the standard PG* variables; database_url or data_dir in config.yaml (which also holds schema and key_file); else the embedded database in $XDG_DATA_HOME/noetl/db. A server\'s token comes from --token-file, NOETL_TOKEN, or the token noetl context add stored for that context (OS keyring, else a 0600 file under $XDG_CONFIG_HOME/noetl/secrets); never from config.yaml.',
    ),
    '.SH ENVIRONMENT',
    ...[
      ['NOETL_SERVER_URL', 'a NoETL server to work through (the HTTP backend).'],
      ['NOETL_TOKEN', 'the service token for that server.'],
      ['NOETL_DATABASE_URL', 'PostgreSQL connection URL.'],
      ['NOETL_DATA_DIR', 'embedded database directory.'],
      ['NOETL_SCHEMA', 'PostgreSQL schema (default noetl).'],
      ['NOETL_ENCRYPTION_KEY', 'master key, 32 bytes in base64 (the NoETL server reads the same variable).'],
      ['NOETL_ENCRYPTION_KEY_FILE', 'file holding the master key.'],
      ['NOETL_ENCRYPTION_KEY_PREVIOUS', 'older master keys (comma-separated base64) to read records sealed before a rotation.'],
      ['NOETL_KEYRING', 'set to off to never use the OS keyring.'],
      ['NO_COLOR', 'never color the output.'],
      ['NOETL_DEBUG', 'set to 1 to print stack traces with errors.'],
      ['NOETL_LINT_JOBS', 'threads noetl lint uses (default: one per core beyond the first, from 80 files a thread).'],
    ].flatMap(([k, v]) => ['.TP', `.B ${k}`, roff(v)]),
    '.SH EXIT STATUS',
    roff('0 success; 1 failure (database unreachable, renewal failed, ...); 2 usage or invalid input; 3 not found; 4 conflict (already exists, locked); 5 expired. noetl lint: 0 clean, 1 findings at or above the failing level, 2 usage or nothing to lint (no playbook found; --allow-empty accepts it), 3 could not run (a path that does not exist, a file that cannot be read).'),
    ...exampleLines(root),
    '.SH SEE ALSO',
    root.children.map((n) => `\\fBnoetl\\-${roff(n.command.name())}\\fR(1)`).join(', '),
    '',
  ].join('\n');
}

function nounPage(noun: CommandNode, version: string): string {
  const name = noun.path.join('-');
  const leaves = flatten(noun).filter((n) => n !== noun || n.children.length === 0);
  return [
    ...header(name, version),
    '.SH NAME',
    `${roff(name)} \\- ${roff(noun.command.description())}`,
    '.SH SYNOPSIS',
    ...leaves.flatMap((n) => ['.PP', `.B ${roff(usage(n))}`]),
    '.SH DESCRIPTION',
    roff(noun.command.description() + '.'),
    ...exampleLines(noun),
    ...leaves
      .filter((n) => n !== noun)
      .flatMap((n) => [`.SH ${roff(n.path.slice(1).join(' ').toUpperCase())}`, `.B ${roff(usage(n))}`, '.PP', roff(n.command.description()), ...optionLines(n.options), ...exampleLines(n)]),
    ...(noun.children.length === 0 ? optionLines(noun.options) : []),
    ...(name === 'noetl-lint' ? rulesManSection(roff) : []),
    '.SH GLOBAL OPTIONS',
    'See \\fBnoetl\\fR(1).',
    '.SH SEE ALSO',
    `\\fBnoetl\\fR(1)`,
    '',
  ].join('\n');
}
