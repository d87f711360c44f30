-- The whole schema of the seeds (000/001 execution variables, 003 credential and
-- keychain, 004 credential cache), plus the minimal playbook catalog the keychain
-- refers to. Tables are created in the schema on the search_path (noetl, or
-- NOETL_SCHEMA), so the same file serves every schema name.

CREATE TABLE catalog (
    catalog_id  BIGINT PRIMARY KEY,
    path        TEXT NOT NULL,
    version     INTEGER NOT NULL CHECK (version > 0),
    kind        TEXT NOT NULL,
    content     TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (path, version)
);

CREATE TABLE credential (
    id              BIGINT PRIMARY KEY,
    name            TEXT NOT NULL UNIQUE,
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
    scope_type           TEXT NOT NULL CHECK (scope_type IN ('local', 'global', 'shared', 'catalog')),
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

CREATE INDEX idx_keychain_name_catalog ON keychain (keychain_name, catalog_id);
CREATE INDEX idx_keychain_execution ON keychain (execution_id);
CREATE INDEX idx_keychain_expires ON keychain (expires_at) WHERE auto_renew = true;

CREATE TABLE credential_cache (
    cache_key            TEXT PRIMARY KEY,
    credential_name      TEXT NOT NULL,
    credential_type      TEXT NOT NULL,
    cache_type           TEXT NOT NULL CHECK (cache_type IN ('secret', 'token')),
    scope_type           TEXT NOT NULL CHECK (scope_type IN ('execution', 'global')),
    execution_id         BIGINT,
    parent_execution_id  BIGINT,
    data_encrypted       TEXT NOT NULL,
    expires_at           TIMESTAMPTZ NOT NULL,
    created_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    accessed_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    access_count         INTEGER DEFAULT 0
);

-- Cleanup by execution (and by parent), and purges of expired entries.
CREATE INDEX idx_credential_cache_execution ON credential_cache (execution_id);
CREATE INDEX idx_credential_cache_parent ON credential_cache (parent_execution_id);
CREATE INDEX idx_credential_cache_expires ON credential_cache (expires_at);

CREATE TABLE execution_variable (
    execution_id    BIGINT NOT NULL,
    variable_name   TEXT NOT NULL,
    variable_type   TEXT NOT NULL CHECK (variable_type IN ('step_result', 'bearer_token', 'computed', 'user_defined')),
    variable_value  JSONB NOT NULL,
    source_step     TEXT,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (execution_id, variable_name)
);

CREATE INDEX idx_execution_variable_type ON execution_variable (variable_type);
