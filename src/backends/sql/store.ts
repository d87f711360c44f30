/**
 * The one client layer. Every command and library function talks to the database
 * through this interface, over the `pg` client API, whichever backend is behind it.
 */
export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

export interface QueryOptions {
  /**
   * Run it as the prepared statement of this name (one name, one text): PostgreSQL parses and
   * plans it once per connection instead of at every call, which is most of the cost of a
   * short query with joins on a hot path. Ignored on the embedded database, whose connections
   * may share one database session (the agent), where the name could already be taken.
   */
  prepare?: string;
}

const preparedNames = new Map<string, string>();

/**
 * The options that run `text` as a prepared statement: one name per distinct text in this
 * process (a schema-qualified text is a different text), so a name never stands for two texts.
 */
export function preparedStatement(text: string): QueryOptions {
  let name = preparedNames.get(text);
  if (name === undefined) {
    name = `noetl_prepared_${preparedNames.size + 1}`;
    preparedNames.set(text, name);
  }
  return { prepare: name };
}

export interface Queryable {
  query<R = Record<string, unknown>>(text: string, params?: unknown[], options?: QueryOptions): Promise<QueryResult<R>>;
}

export type Backend = 'embedded' | 'postgres';

export interface StoreInfo {
  backend: Backend;
  /** Where the data is: a data directory, or a connection URL with its password masked. */
  location: string;
  schema: string;
}

export interface Store extends Queryable {
  readonly info: StoreInfo;
  /** The clock every expiry decision uses; tests pin it (NOETL_NOW or the clock option). */
  now(): Date;
  /** Runs fn in one transaction on one connection: COMMIT on success, ROLLBACK on throw. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Runs fn on one dedicated connection (session-level locks, SET, …), outside a transaction. */
  session<T>(fn: (conn: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /** How the connection pool is used right now (a server's metrics). */
  poolUse?(): PoolUse;
  /**
   * Set where session advisory locks cannot single-flight across processes (the embedded agent:
   * its clients share one database session): runs `holder` when nobody runs it for `name`, else
   * waits for the one who does and runs `waiter`.
   */
  singleFlight?<T>(name: string, holder: () => Promise<T>, waiter: () => Promise<T>): Promise<T>;
}

/** Connections open (in use or idle), idle, callers waiting for one, and the most the pool opens. */
export interface PoolUse {
  total: number;
  idle: number;
  waiting: number;
  max: number;
}
