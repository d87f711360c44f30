import { Argument, Command } from 'commander';
import type { CommandContext } from '../context.js';
import { completionScript, SHELLS, type Shell } from '../gen/completion.js';

/** `noetl completion bash|zsh|fish`: the generated script for the shell, on stdout. */
export function newCompletionCommand(ctx: CommandContext, program: () => Command): Command {
  return new Command('completion')
    .description('Print the shell completion script for bash, zsh or fish')
    .addArgument(new Argument('<shell>', 'the shell').choices(SHELLS))
    .addHelpText(
      'after',
      '\nExamples:\n  $ source <(noetl completion bash)\n  $ noetl completion zsh > "${fpath[1]}/_noetl"\n  $ noetl completion fish > ~/.config/fish/completions/noetl.fish',
    )
    .action((shell: Shell) => {
      ctx.io.stdout.write(completionScript(shell, program()));
    });
}
