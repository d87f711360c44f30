import { Option, type Command } from 'commander';
import { parseId64 } from '../core/ids.js';
import { invalidError } from '../core/errors.js';

/**
 * A 64-bit id (execution or catalog) from the command line, as its exact decimal string;
 * anything else exits 2 naming `what`.
 */
export function id64Arg(text: string, what = 'execution id'): string {
  const id = parseId64(text);
  if (id === undefined) throw invalidError(`${what} '${text}' is not a 64-bit number (e.g. 507431238966182398)`);
  return id;
}

/**
 * `--execution <id>`, the one name of the execution flag (CONTRIBUTING.md, "Conventions"),
 * with `--execution-id` accepted as a hidden alias that sets the same value.
 */
export function withExecutionOption(command: Command, description: string, options: { required?: boolean } = {}): Command {
  command.addOption(new Option('--execution <id>', description).makeOptionMandatory(options.required ?? false));
  command.addOption(new Option('--execution-id <id>', 'the same as --execution').hideHelp());
  command.on('option:execution-id', (value: string) => command.setOptionValueWithSource('execution', value, 'cli'));
  return command;
}
