/**
 * The one client layer. Every command and library function talks to the database
 * through this interface, over the `pg` client API, whichever backend is behind it.
 */
export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

export interface Queryable {
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<QueryResult<R>>;
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
}

/** Connections open (in use or idle), idle, callers waiting for one, and the most the pool opens. */
export interface PoolUse {
  total: number;
  idle: number;
  waiting: number;
  max: number;
}
