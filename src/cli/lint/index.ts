import { Command, Option } from 'commander';
import type { CommandContext } from '../context.js';
import { VERSION } from '../version.js';
import { chooseLintFormat, LINT_FORMATS, type LintFormat } from './formats.js';

export function newLintCommand(ctx: CommandContext): Command {
  return new Command('lint')
    .description("Check the auth and keychain parts of playbooks: references, scopes, secrets, naming")
    .argument('[paths...]', 'playbook files, folders (searched for *.yaml / *.yml), or - for stdin')
    .addOption(new Option('--format <format>', 'report format (-o json is the same as --format json)').choices(LINT_FORMATS))
    // -f was --format's short form; -f means a file everywhere in noetl, so it is refused with a pointer to --format.
    .addOption(new Option('-f <format>').hideHelp())
    .addOption(new Option('--fail-level <level>', 'lowest severity that makes the exit code 1').choices(['error', 'warning']).default('error'))
    .option('--stdin-filename <name>', 'the file name to report for input read from -')
    .option('--list-rules', 'list every rule with its id, default severity and summary')
    .option('--explain <rule>', "print a rule's documentation")
    .option('--check-credentials', 'also check that the credentials auth references exist in the configured database')
    .option('--allow-empty', 'exit 0 when no playbook is found (by default that is exit 2: a run that lints nothing does not pass)')
    .addHelpText(
      'after',
      `
Examples:
  $ noetl lint playbooks/
  $ noetl lint --format github playbooks/            # annotations in a GitHub Actions run
  $ noetl lint --format sarif playbooks/ > lint.sarif
  $ cat playbook.yaml | noetl lint - --stdin-filename playbook.yaml
  $ noetl lint --explain undefined-keychain
  $ noetl lint --check-credentials --fail-level warning playbooks/

Exit codes: 0 no findings at or above the fail level, 1 findings, 2 usage or nothing to lint
  (no playbook found: an empty folder, an empty stdin, a file that is not a playbook; --allow-empty accepts it),
  3 could not run (a path that does not exist, a file that cannot be read).
Symbolic links are followed (a link back to a folder it is in is reported and skipped).
Configuration: .noetl-lint.yaml (rule severities, ignored paths), found walking up from each path.
Environment: NOETL_LINT_JOBS threads to lint with (default: one per core beyond the first, from 80 files a thread).
Suppress one finding: # noetl-lint-ignore RULE-ID: reason  (on its line or the line above)`,
    )
    .action(async (paths: string[], opts: { format?: LintFormat; f?: string; failLevel: 'error' | 'warning'; stdinFilename?: string; listRules?: boolean; explain?: string; checkCredentials?: boolean; allowEmpty?: boolean }, command: Command) => {
      const { runLint } = await import('./run.js');
      const g = ctx.globals();
      const outputGiven = command.parent?.getOptionValueSource('output') === 'cli';
      const format = chooseLintFormat({ format: opts.format, legacyF: opts.f, output: outputGiven ? g.output : undefined });
      const code = await runLint(
        {
          paths,
          format,
          failLevel: opts.failLevel,
          stdinFilename: opts.stdinFilename,
          listRules: Boolean(opts.listRules),
          explain: opts.explain,
          checkCredentials: Boolean(opts.checkCredentials),
          allowEmpty: Boolean(opts.allowEmpty),
          quiet: g.quiet,
        },
        { io: ctx.io, cwd: ctx.io.cwd, version: VERSION, env: ctx.env, client: () => ctx.client() },
      );
      ctx.setExitCode(code);
    });
}
