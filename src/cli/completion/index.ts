import { Argument, Command } from 'commander';
import type { CommandContext } from '../context.js';
import { SHELLS, type Shell } from '../gen/shells.js';
import { newValuesCommand } from './values.js';

/** `noetl completion bash|zsh|fish`: the generated script for the shell, on stdout. */
export function newCompletionCommand(ctx: CommandContext, program: () => Command): Command {
  const completion = new Command('completion')
    .description('Print the shell completion script for bash, zsh or fish')
    .addArgument(new Argument('<shell>', 'the shell').choices(SHELLS))
    .addHelpText(
      'after',
      '\nExamples:\n  $ source <(noetl completion bash)\n  $ noetl completion zsh > "${fpath[1]}/_noetl"\n  $ noetl completion fish > ~/.config/fish/completions/noetl.fish\n\nCredential names, playbook paths and keychain names complete from the current database\n(the one --data-dir or --database-url on the command line, or the environment, names).',
    )
    .action(async (shell: Shell) => {
      // The generator knows every rule and type; the scripts' own calls (__values) need none of it.
      const { completionScript } = await import('../gen/completion.js');
      ctx.io.stdout.write(completionScript(shell, program()));
    });
  // What the scripts call for names from the database: not for people, so not in help, man or completion.
  completion.addCommand(newValuesCommand(ctx), { hidden: true });
  return completion;
}
