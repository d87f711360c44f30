import { invalidError } from './errors.js';

/** A database URL noetl can use (postgres:// or postgresql://), or an invalid error naming where it came from. */
export function checkDatabaseUrl(url: string, source: string): void {
  const where = source === 'config file' ? 'database_url in the config file' : source;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalidError(`${where} is not a URL: give postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE`);
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw invalidError(`${where} is a ${parsed.protocol.slice(0, -1)}: URL, not PostgreSQL: give postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE (noetl stores its data only in PostgreSQL or the embedded database)`);
  }
}

/** A connection URL fit to print: the password replaced by ***. */
export function maskUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@');
  }
}

/** A schema name noetl puts in SQL as a quoted identifier: letters, digits and _, at most 63 (PostgreSQL's limit). */
export function checkSchemaName(schema: string): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(schema)) throw invalidError(`schema name '${schema}' is not a plain SQL identifier: use letters, digits and _`);
}
