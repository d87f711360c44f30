import type { Command, Option } from 'commander';
import { KNOWN_TYPES } from '../../core/credential-types.js';
import { RULES } from '../../lint/rules/index.js';
import { VARIABLE_TYPES } from '../../core/variables.js';
import type { ValueKind } from '../completion/values.js';
import type { Shell } from './shells.js';
import { flatten, optionWords, walk, type CommandNode } from './tree.js';

/**
 * Shell completions generated from the command tree (npm run gen writes them to
 * completions/; `noetl completion SHELL` prints the same text). What a value completes to
 * depends on the command: `-f` is a file for `credential add`, `--type` a credential type for
 * `credential add` and a variable type for `vars show`, `--scope` a keychain scope for
 * `keychain get` and a cache scope for `cache ls`. Credential names, playbook paths and
 * keychain names come from the current database, through `noetl completion __values`.
 */
export { SHELLS, type Shell } from './shells.js';

/** What a value (an option's or a command's arguments) completes to. */
export type Values =
  /** These words. */
  | { words: readonly string[] }
  /** File names, folder names, or `@file` (and `-` for stdin). */
  | { files: 'any' | 'dirs' | 'at' }
  /** Names from the current database. */
  | { names: ValueKind };

const FILES: Values = { files: 'any' };
const AT_FILE: Values = { files: 'at' };
const CREDENTIAL_TYPES: Values = { words: Object.keys(KNOWN_TYPES) };

/**
 * Values of options without choices (choices complete themselves): by long name for every
 * command, or `command path + long name` where the same name means something else there.
 */
const OPTION_VALUES: Record<string, Values> = {
  '--file': FILES,
  '--key-file': FILES,
  '--new-key-file': FILES,
  '--tls-cert': FILES,
  '--tls-key': FILES,
  '--data-dir': { files: 'dirs' },
  '--data': AT_FILE,
  '--schema': AT_FILE,
  '--renew-config': AT_FILE,
  '--workload': AT_FILE,
  '--value': AT_FILE,
  '--vars': AT_FILE,
  '--auth0-token': AT_FILE,
  '--playbook': { names: 'playbooks' },
  '--context': { names: 'contexts' },
  '--token-file': FILES,
  'noetl catalog ls --path': { names: 'playbooks' },
  'noetl keychain ls --name': { names: 'keychain' },
  'noetl credential add --type': CREDENTIAL_TYPES,
  'noetl credential ls --type': CREDENTIAL_TYPES,
  'noetl keychain set --type': CREDENTIAL_TYPES,
  'noetl vars show --type': { words: VARIABLE_TYPES },
  'noetl lint --explain': { words: RULES.map((r) => r.id) },
};

/** Values of a command's arguments (argument choices complete themselves). */
const ARGUMENT_VALUES: Record<string, Values> = {
  'noetl credential get': { names: 'credentials' },
  'noetl credential rm': { names: 'credentials' },
  'noetl credential validate': FILES,
  'noetl keychain get': { names: 'keychain' },
  'noetl keychain set': { names: 'keychain' },
  'noetl keychain rm': { names: 'keychain' },
  'noetl keychain renew': { names: 'keychain' },
  'noetl keychain resolve': FILES,
  'noetl catalog register': FILES,
  'noetl catalog show': { names: 'playbooks' },
  'noetl context use': { names: 'contexts' },
  'noetl context show': { names: 'contexts' },
  'noetl context rm': { names: 'contexts' },
  'noetl render': FILES,
  'noetl run': { names: 'playbooks' },
  'noetl access check': { names: 'playbooks' },
  'noetl lint': FILES,
};

const key = (node: CommandNode) => node.path.join(' ');
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const takesValue = (o: Option) => o.required || o.optional;

/** What the value of `option` completes to in `node`; undefined: nothing to offer. */
export function optionValues(node: CommandNode, option: Option): Values | undefined {
  if (option.argChoices) return { words: option.argChoices };
  const long = option.long ?? '';
  return OPTION_VALUES[`${key(node)} ${long}`] ?? OPTION_VALUES[long];
}

/** What the arguments of `node` complete to; undefined: nothing (or, for a group, its commands). */
export function argumentValues(node: CommandNode): Values | undefined {
  const choices = node.command.registeredArguments.find((a) => a.argChoices)?.argChoices;
  return choices ? { words: choices } : ARGUMENT_VALUES[key(node)];
}

/** Entries of the tables above that name no command or option of the tree (a rename leaves them behind). */
export function staleCompletionEntries(program: Command): string[] {
  const nodes = flatten(walk(program));
  const options = new Set(nodes.flatMap((n) => n.options.filter(takesValue).flatMap((o) => [o.long, `${key(n)} ${o.long}`])));
  const paths = new Set(nodes.map(key));
  return [...Object.keys(OPTION_VALUES).filter((k) => !options.has(k)), ...Object.keys(ARGUMENT_VALUES).filter((k) => !paths.has(k))];
}

export function completionScript(shell: Shell, program: Command): string {
  const root = walk(program);
  if (shell === 'bash') return bashCompletion(root);
  if (shell === 'zsh') return zshCompletion(root);
  return fishCompletion(root);
}

/** [case pattern, values] for every value option: each command's own first, then the global ones in any command. */
function valueCases(root: CommandNode, nodes: CommandNode[], pattern: (node: CommandNode | undefined, word: string) => string): [string, Values | undefined][] {
  const cases: [string, Values | undefined][] = [];
  for (const node of nodes) {
    if (node === root) continue;
    for (const o of node.options.filter(takesValue)) cases.push([optionWords(o).map((w) => pattern(node, w)).join('|'), optionValues(node, o)]);
  }
  for (const o of root.options.filter(takesValue)) cases.push([optionWords(o).map((w) => pattern(undefined, w)).join('|'), optionValues(root, o)]);
  return cases;
}

/** Positional values per command: [paths, values], commands with the same values together. */
function argumentCases(nodes: CommandNode[]): [string[], Values][] {
  const byValues = new Map<string, [string[], Values]>();
  for (const node of nodes) {
    const values = argumentValues(node);
    if (!values) continue;
    const id = JSON.stringify(values);
    const entry = byValues.get(id) ?? [[], values];
    entry[0].push(key(node));
    byValues.set(id, entry);
  }
  return [...byValues.values()];
}

function groups(nodes: CommandNode[]): CommandNode[] {
  return nodes.filter((n) => n.children.length > 0);
}

function bashValues(values: Values | undefined): string {
  if (values === undefined) return 'COMPREPLY=()';
  if ('words' in values) return `COMPREPLY=($(compgen -W ${q(values.words.join(' '))} -- "$cur"))`;
  if ('names' in values) return `_noetl_names ${values.names}`;
  if (values.files === 'at') return '_noetl_at_file';
  if (values.files === 'dirs') return 'compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- "$cur"))';
  // Nothing here: `complete -o default` completes file names (spaces and all).
  return 'COMPREPLY=()';
}

function bashCompletion(root: CommandNode): string {
  const nodes = flatten(root);
  const globals = root.options.flatMap(optionWords);
  const lines = [
    '# bash completion for noetl (generated by `npm run gen`; do not edit)',
    '',
    '# Names from the current backend (that of the --data-dir, --database-url, --server or --context typed so far);',
    '# nothing when there is none or it does not answer in time.',
    '_noetl_names() {',
    "  local IFS=$'\\n'",
    '  COMPREPLY=($(compgen -W "$("${COMP_WORDS[0]}" "${db[@]}" completion __values "$1" 2>/dev/null)" -- "$cur"))',
    '}',
    '',
    "# @file or - (stdin). bash splits `--data @fi` into --data, @, fi, yet replaces '@fi' (a special",
    "# prefix to readline, which would complete a host name there): the file names keep their '@'.",
    '_noetl_at_file() {',
    '  local f',
    "  if [[ -z \"$at\" && \"$cur\" != @* ]]; then COMPREPLY=($(compgen -W '@ -' -- \"$cur\")); compopt -o nospace 2>/dev/null; return; fi",
    '  COMPREPLY=()',
    '  while IFS= read -r f; do [[ -d "$f" ]] && f+=/; COMPREPLY+=("@$f"); done < <(compgen -f -- "${cur#@}")',
    '  # A folder goes on to its files: no space after it.',
    '  if [[ ${#COMPREPLY[@]} -eq 1 && "${COMPREPLY[0]}" == */ ]]; then compopt -o nospace 2>/dev/null; fi',
    '}',
    '',
    '_noetl() {',
    '  local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"',
    '  local path="noetl" i at=""',
    "  # The database the command line names, read from COMP_LINE: COMP_WORDS breaks a URL at ':' and '@'.",
    '  local -a typed db=()',
    '  read -ra typed <<< "${COMP_LINE:0:COMP_POINT}"',
    '  for ((i = 1; i < ${#typed[@]}; i++)); do',
    '    case "${typed[i]}" in',
    '      --data-dir|--database-url|--server|--context|--token-file) db+=("${typed[i]}" "${typed[i+1]/#\\~/$HOME}") ;;',
    '      --data-dir=*|--database-url=*|--server=*|--context=*|--token-file=*) db+=("${typed[i]}") ;;',
    '    esac',
    '  done',
    '  for ((i = 1; i < COMP_CWORD; i++)); do',
    '    case "$path ${COMP_WORDS[i]}" in',
    ...nodes.slice(1).map((n) => `      ${q(key(n))}) path=${q(key(n))} ;;`),
    '    esac',
    '  done',
    '  if [[ "$prev" == @ ]]; then at=@; prev="${COMP_WORDS[COMP_CWORD-2]}"; fi',
    '  case "$path $prev" in',
    ...valueCases(root, nodes, (n, w) => (n ? q(`${key(n)} ${w}`) : `*${q(` ${w}`)}`)).map(([pattern, values]) => `    ${pattern}) ${bashValues(values)}; return ;;`),
    '  esac',
    '  local words=""',
    '  if [[ "$cur" == -* ]]; then',
    '    case "$path" in',
    ...nodes.map((n) => `      ${q(key(n))}) words=${q([...new Set([...n.options.flatMap(optionWords), ...globals, '--help'])].join(' '))} ;;`),
    '    esac',
    '  else',
    '    case "$path" in',
    ...groups(nodes).map((n) => `      ${q(key(n))}) words=${q(n.children.map((c) => c.command.name()).join(' '))} ;;`),
    ...argumentCases(nodes).map(([paths, values]) => `      ${paths.map(q).join('|')}) ${bashValues(values)}; return ;;`),
    '    esac',
    '  fi',
    '  COMPREPLY=($(compgen -W "$words" -- "$cur"))',
    '}',
    'complete -o default -F _noetl noetl',
    '',
  ];
  return lines.join('\n');
}

function zshValues(values: Values | undefined): string {
  if (values === undefined) return ':';
  if ('words' in values) return `compadd -- ${values.words.map(q).join(' ')}`;
  if ('names' in values) return `_noetl_names ${values.names}`;
  if (values.files === 'at') return '_noetl_at_file';
  return values.files === 'dirs' ? '_files -/' : '_files';
}

function zshCompletion(root: CommandNode): string {
  const nodes = flatten(root);
  const globals = root.options;
  const describe = (n: CommandNode) =>
    n.children.map((c) => q(`${c.command.name()}:${c.command.description().replace(/:/g, '\\:')}`)).join(' ');
  const optionSpecs = (n: CommandNode) =>
    [...new Set([...n.options, ...(n === root ? [] : globals)])]
      .flatMap((o) => optionWords(o).map((w) => q(`${w}:${o.description.replace(/:/g, '\\:')}`)))
      .join(' ');
  const lines = [
    '#compdef noetl',
    '# zsh completion for noetl (generated by `npm run gen`; do not edit)',
    '',
    '# Names from the current backend (that of the --data-dir, --database-url, --server or --context typed so far);',
    '# nothing when there is none or it does not answer in time.',
    '_noetl_names() {',
    '  local -a names',
    '  names=(${(f)"$(${words[1]} $db completion __values $1 2>/dev/null)"})',
    '  compadd -a names',
    '}',
    '',
    '# @file or - (stdin).',
    '_noetl_at_file() {',
    "  if compset -P '@'; then _files; else compadd -S '' -- @; compadd -- -; fi",
    '}',
    '',
    '_noetl() {',
    "  # Not `path`: in zsh that is $PATH.",
    '  local cmd_path="noetl" i',
    '  local -a subcommands options db',
    '  for ((i = 2; i < CURRENT; i++)); do',
    '    case "${words[i]}" in',
    '      --data-dir|--database-url|--server|--context|--token-file) db+=(${words[i]} ${words[i+1]/#\\~/$HOME}) ;;',
    '      --data-dir=*|--database-url=*|--server=*|--context=*|--token-file=*) db+=(${words[i]}) ;;',
    '    esac',
    '    case "$cmd_path ${words[i]}" in',
    ...nodes.slice(1).map((n) => `      ${q(key(n))}) cmd_path=${q(key(n))} ;;`),
    '    esac',
    '  done',
    '  case "$cmd_path ${words[CURRENT-1]}" in',
    ...valueCases(root, nodes, (n, w) => (n ? q(`${key(n)} ${w}`) : `*${q(` ${w}`)}`)).map(([pattern, values]) => `    ${pattern}) ${zshValues(values)}; return ;;`),
    '  esac',
    '  case "$cmd_path" in',
    ...nodes.map((n) => `    ${q(key(n))}) subcommands=(${describe(n)}); options=(${optionSpecs(n)}) ;;`),
    '  esac',
    '  if [[ "${words[CURRENT]}" == -* ]]; then',
    "    _describe -t options 'option' options",
    '  elif (( ${#subcommands} )); then',
    "    _describe -t commands 'command' subcommands",
    '  else',
    '    case "$cmd_path" in',
    ...argumentCases(nodes).map(([paths, values]) => `      ${paths.map(q).join('|')}) ${zshValues(values)} ;;`),
    '      *) _files ;;',
    '    esac',
    '  fi',
    '}',
    'compdef _noetl noetl',
    '',
  ];
  return lines.join('\n');
}

/** fish `complete` flags for a value. */
function fishValues(values: Values | undefined): string[] {
  if (values === undefined) return ['-x'];
  if ('words' in values) return ['-x', '-a', q(values.words.join(' '))];
  if ('names' in values) return ['-x', '-a', q(`(__noetl_names ${values.names})`)];
  if (values.files === 'at') return ['-x', '-a', q('(__noetl_at_file)')];
  if (values.files === 'dirs') return ['-x', '-a', q('(__fish_complete_directories)')];
  return ['-r', '-F'];
}

/** fish `complete` flags for a command's arguments (file names are off unless asked for). */
function fishArguments(values: Values): string {
  return 'files' in values && values.files === 'any' ? '-F' : fishValues(values).slice(1).join(' ');
}

function fishCompletion(root: CommandNode): string {
  const nodes = flatten(root);
  const lines = [
    '# fish completion for noetl (generated by `npm run gen`; do not edit)',
    'function __noetl_path',
    '    set -l path noetl',
    '    for word in (commandline -opc)[2..-1]',
    '        switch "$path $word"',
    ...nodes.slice(1).map((n) => `            case ${q(key(n))}\n                set path ${q(key(n))}`),
    '        end',
    '    end',
    '    echo $path',
    'end',
    '',
    '# Names from the current backend (that of the --data-dir, --database-url, --server or --context typed so far);',
    '# nothing when there is none or it does not answer in time.',
    'function __noetl_names',
    '    set -l words (commandline -opc)',
    '    set -l db',
    '    for i in (seq 2 (math (count $words) - 1))',
    '        if contains -- $words[$i] --data-dir --database-url --server --context --token-file',
    "            set -a db $words[$i] (string replace -r '^~' $HOME -- $words[(math $i + 1)])",
    "        else if string match -qr -- '^--(data-dir|database-url|server|context|token-file)=' $words[$i]",
    '            set -a db $words[$i]',
    '        end',
    '    end',
    '    $words[1] $db completion __values $argv[1] 2>/dev/null',
    'end',
    '',
    '# @file or - (stdin).',
    'function __noetl_at_file',
    '    set -l token (commandline -ct)',
    "    if string match -q -- '@*' $token",
    '        for f in (__fish_complete_path (string sub -s 2 -- $token))',
    '            echo @$f',
    '        end',
    '    else',
    '        printf "%s\\n" @ -',
    '    end',
    'end',
    '',
    'complete -c noetl -f',
  ];
  for (const n of nodes) {
    const cond = `-n ${q(`test (__noetl_path) = ${q(key(n))}`)}`;
    for (const c of n.children) {
      lines.push(`complete -c noetl ${cond} -a ${c.command.name()} -d ${q(c.command.description())}`);
    }
    const args = argumentValues(n);
    if (args) lines.push(`complete -c noetl ${cond} ${fishArguments(args)}`);
    for (const o of n.options) {
      const parts = ['complete -c noetl'];
      if (n !== root) parts.push(cond);
      if (o.long) parts.push('-l', o.long.replace(/^--/, ''));
      if (o.short) parts.push('-s', o.short.replace(/^-/, ''));
      if (takesValue(o)) parts.push(...fishValues(optionValues(n, o)));
      parts.push('-d', q(o.description));
      lines.push(parts.join(' '));
    }
  }
  lines.push('');
  return lines.join('\n');
}
