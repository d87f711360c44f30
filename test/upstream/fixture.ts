/**
 * A schema as an upstream NoETL 4.x server creates it, written from the facts in
 * ../shared/spec/UPSTREAM-SCHEMA.md with our own SQL (upstream noetl/noetl at 3badb77a,
 * noetl/database/ddl/postgres/schema_ddl.sql), and the INSERTs its servers make.
 */
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { openStore, type ConnectionConfig } from '../../src/backends/sql/connect.js';
import type { Queryable, Store } from '../../src/backends/sql/store.js';
import { closeOnce, dropSchema, freshDataDir, testBackend, testDatabaseUrl, uniqueName } from '../helpers/backend.js';

/** Upstream's DDL for the tables noetl shares, plus `event`, in the schema on the search_path. */
export const UPSTREAM_DDL = `
CREATE SEQUENCE snowflake_seq;

CREATE FUNCTION snowflake_id() RETURNS BIGINT AS $$
DECLARE
    our_epoch BIGINT := 1704067200000;
    seq_id BIGINT;
    now_ms BIGINT;
    shard_id INT := 1;
BEGIN
    SELECT nextval('snowflake_seq') % 1024 INTO seq_id;
    SELECT FLOOR(EXTRACT(EPOCH FROM clock_timestamp()) * 1000) INTO now_ms;
    RETURN ((now_ms - our_epoch) << 23) | ((shard_id & 31) << 18) | (seq_id & 262143);
END;
$$ LANGUAGE plpgsql;

CREATE TABLE resource (name TEXT PRIMARY KEY);
INSERT INTO resource (name) VALUES ('playbook'), ('credential'), ('mcp'), ('agent'), ('memory');

CREATE TABLE catalog (
    catalog_id    BIGINT PRIMARY KEY DEFAULT snowflake_id(),
    path          TEXT NOT NULL,
    version       SMALLSERIAL,
    kind          VARCHAR NOT NULL REFERENCES resource (name),
    content       TEXT,
    layout        JSONB,
    payload       JSONB,
    meta          JSONB,
    created_at    TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    credential_id INTEGER,
    archived_at   TIMESTAMPTZ,
    UNIQUE (path, version)
);

CREATE TABLE credential (
    id              BIGINT PRIMARY KEY DEFAULT snowflake_id(),
    name            TEXT UNIQUE NOT NULL,
    type            TEXT NOT NULL,
    data_encrypted  TEXT NOT NULL,
    schema          JSONB,
    meta            JSONB,
    tags            TEXT[],
    description     TEXT,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE keychain (
    cache_key            TEXT PRIMARY KEY,
    keychain_name        TEXT NOT NULL,
    catalog_id           BIGINT NOT NULL REFERENCES catalog (catalog_id),
    credential_type      TEXT NOT NULL,
    cache_type           TEXT NOT NULL CHECK (cache_type IN ('secret', 'token')),
    scope_type           TEXT NOT NULL CHECK (scope_type IN ('local', 'global', 'shared')),
    execution_id         BIGINT,
    parent_execution_id  BIGINT,
    data_encrypted       TEXT NOT NULL,
    schema               JSONB,
    expires_at           TIMESTAMPTZ NOT NULL,
    created_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    accessed_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    access_count         INTEGER DEFAULT 0,
    auto_renew           BOOLEAN DEFAULT false,
    renew_config         JSONB
);

CREATE TABLE transient (
    execution_id  BIGINT,
    var_name      TEXT,
    var_type      TEXT CHECK (var_type IN ('user_defined', 'step_result', 'computed', 'iterator_state')),
    var_value     JSONB NOT NULL,
    source_step   TEXT,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    accessed_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    access_count  INTEGER NOT NULL DEFAULT 0,
    expires_at    TIMESTAMPTZ,
    scope         TEXT DEFAULT 'execution' CHECK (scope IN ('step', 'execution', 'workflow', 'permanent')),
    PRIMARY KEY (execution_id, var_name)
);

CREATE TABLE event (
    execution_id  BIGINT NOT NULL,
    event_id      BIGINT NOT NULL DEFAULT snowflake_id(),
    event_type    VARCHAR NOT NULL,
    node_name     VARCHAR,
    status        VARCHAR,
    created_at    TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (execution_id, event_id)
);
`;

/** The INSERTs upstream's servers make (no id: snowflake_id() gives it; kind lower-case). */
export const UPSTREAM_INSERTS = {
  catalog: `INSERT INTO catalog (path, version, kind, content, layout, payload, meta) VALUES ($1, $2, 'playbook', $3, NULL, $4::jsonb, NULL) RETURNING catalog_id::text AS catalog_id`,
  credential: `INSERT INTO credential (name, type, data_encrypted, schema, meta, tags, description) VALUES ($1, $2, $3, NULL, NULL, $4::text[], NULL) RETURNING id::text AS id`,
  transient: `INSERT INTO transient (execution_id, var_name, var_type, var_value, source_step) VALUES ($1, $2, $3, $4::jsonb, $5)`,
};

export interface UpstreamDatabase {
  /** Where it is, as openStore takes it (schemaCheck is the caller's). */
  config: ConnectionConfig;
  /** The environment variables that point the CLI at it (NOETL_SCHEMA and the database). */
  env: Record<string, string>;
  /** A store opened without the schema check (the fixture's own, for rows and DDL); closing it twice is harmless. */
  raw: Store;
  close(): Promise<void>;
}

/**
 * A fresh schema holding `ddl` (upstream's layout by default) on this run's backend: a new
 * PostgreSQL schema, or schema `upstream` of a new embedded data directory (a copy of the
 * test template, whose own `noetl` schema is left alone).
 */
export async function upstreamDatabase(ddl: string = UPSTREAM_DDL): Promise<UpstreamDatabase> {
  let config: ConnectionConfig;
  let env: Record<string, string>;
  let cleanup: () => Promise<void>;
  if (testBackend() === 'embedded') {
    const dataDir = await freshDataDir();
    config = { backend: 'embedded', dataDir, schema: 'upstream', source: 'test' };
    env = { NOETL_DATA_DIR: dataDir, NOETL_SCHEMA: 'upstream' };
    cleanup = async () => rmSync(dirname(dataDir), { recursive: true, force: true });
  } else {
    const schema = uniqueName('up');
    config = { backend: 'postgres', connectionString: testDatabaseUrl(), schema, source: 'test' };
    env = { NOETL_DATABASE_URL: testDatabaseUrl(), NOETL_SCHEMA: schema };
    cleanup = () => dropSchema(schema);
  }
  const raw = await openStore(config, { schemaCheck: 'none' });
  await raw.query(`CREATE SCHEMA IF NOT EXISTS "${config.schema}"`);
  await raw.session(async (conn) => {
    await conn.query(`SET search_path TO "${config.schema}"`);
    await conn.query(ddl);
  });
  // Idempotent, so a test may close it early (the embedded data directory has one owner at a time).
  closeOnce(raw);
  let closed = false;
  return {
    config,
    env,
    raw,
    async close() {
      if (closed) return;
      closed = true;
      await raw.close();
      await cleanup();
    },
  };
}

/** The schema's tables, and per table its columns, defaults and constraints: what an upstream server relies on. */
export async function schemaShape(db: Queryable, schema: string): Promise<Record<string, string[]>> {
  const { rows } = await db.query<{ t: string; item: string }>(
    `SELECT c.relname AS t, 'col ' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull || ' ' || COALESCE(pg_get_expr(d.adbin, d.adrelid), '') AS item
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
     LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
     WHERE n.nspname = $1 AND c.relkind = 'r'
     UNION ALL
     SELECT c.relname, 'con ' || co.conname || ' ' || pg_get_constraintdef(co.oid)
     FROM pg_constraint co JOIN pg_class c ON c.oid = co.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1
     ORDER BY 1, 2`,
    [schema],
  );
  const shape: Record<string, string[]> = {};
  for (const r of rows) (shape[r.t] ??= []).push(r.item);
  return shape;
}
