import type { Command, Option } from 'commander';

/** A command of the tree as the generators see it: its path, options and subcommands. */
export interface CommandNode {
  path: string[];
  command: Command;
  options: Option[];
  children: CommandNode[];
}

/** Walks the tree; hidden options and commands, and the implicit help command, are left out. */
export function walk(command: Command, parentPath: string[] = []): CommandNode {
  const path = [...parentPath, command.name()];
  return {
    path,
    command,
    options: command.options.filter((o) => !o.hidden),
    children: command
      .createHelp()
      .visibleCommands(command)
      .filter((c) => c.name() !== 'help')
      .map((c) => walk(c, path)),
  };
}

export function flatten(node: CommandNode): CommandNode[] {
  return [node, ...node.children.flatMap(flatten)];
}

/** The option spellings a shell completes: --long and -s. */
export function optionWords(option: Option): string[] {
  return [option.long, option.short].filter((w): w is string => Boolean(w));
}

/** The whole help text of a command, including the text added after it (examples). */
function helpText(command: Command): string {
  let text = '';
  const saved = command.configureOutput();
  command.configureOutput({ ...saved, writeOut: (s) => (text += s), writeErr: (s) => (text += s) });
  try {
    command.outputHelp();
  } finally {
    command.configureOutput(saved);
  }
  return text;
}

/** The lines under "Examples:" in a command's help, without the `$ ` prompt. */
export function examples(command: Command): string[] {
  const text = helpText(command);
  const start = text.indexOf('\nExamples:\n');
  if (start < 0) return [];
  const lines: string[] = [];
  for (const line of text.slice(start + '\nExamples:\n'.length).split('\n')) {
    const m = /^\s+\$ (.*)$/.exec(line);
    if (m) lines.push(m[1]);
    else if (line.trim() === '') {
      if (lines.length) break;
    } else if (!/^\s/.test(line)) break;
  }
  return lines;
}
