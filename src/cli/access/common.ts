import type { AccessApi, NoetlClient } from '../../api/index.js';
import { invalidError } from '../../core/errors.js';
import type { IO } from '../io.js';

/** What the access, user and role verbs get to run with. */
export interface AccessDeps {
  io: IO;
  client: NoetlClient;
  /** Progress and confirmations (stderr), silenced by --quiet. */
  info(message: string): void;
  /** Asks a y/N question (destructive verbs); the terminal by default. */
  confirm?(question: string): Promise<boolean>;
}

/** The client's access group; exit 2 on a backend without one. */
export function accessOf(client: NoetlClient): AccessApi {
  if (!client.access) {
    throw invalidError(`managing gateway access needs a direct database connection, or a noetl gateway with an admin token; the ${client.backend.kind} backend at ${client.backend.location} has no access operations`);
  }
  return client.access;
}

/** yes/no for a table cell. */
export const yesNo = (value: boolean) => (value ? 'yes' : 'no');
