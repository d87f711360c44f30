import { homedir } from 'node:os';
import { join } from 'node:path';

/** noetl's configuration directory: $XDG_CONFIG_HOME/noetl (default ~/.config/noetl). */
export function configDir(env: NodeJS.ProcessEnv): string {
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'noetl');
}
