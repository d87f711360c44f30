import { parseId64 } from '../core/ids.js';
import { usageError } from '../core/errors.js';

/**
 * A 64-bit id (execution or catalog) from the command line, as its exact decimal string;
 * anything else exits 2 naming `what`.
 */
export function id64Arg(text: string, what = 'execution id'): string {
  const id = parseId64(text);
  if (id === undefined) throw usageError(`${what} '${text}' is not a 64-bit number (e.g. 507431238966182398)`);
  return id;
}
