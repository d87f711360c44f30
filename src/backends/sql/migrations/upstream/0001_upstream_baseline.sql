-- Adopting a schema that an upstream NoETL 4.x server created (UPSTREAM-SCHEMA.md). This stands
-- in for 0001_initial: upstream's tables (resource, catalog, credential, keychain, transient, …)
-- are kept exactly as they are, their data and constraints untouched; noetl adds only what it
-- needs and upstream lacks.

-- The credential cache (seed 004): upstream folded it into keychain rows; noetl keeps its own.
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

CREATE INDEX idx_credential_cache_execution ON credential_cache (execution_id);
CREATE INDEX idx_credential_cache_parent ON credential_cache (parent_execution_id);
CREATE INDEX idx_credential_cache_expires ON credential_cache (expires_at);

-- Which `transient` rows are bearer tokens. Upstream's var_type CHECK has no 'bearer_token', so
-- noetl stores a token as var_type 'computed' (its var_value the plain token string, as upstream's
-- templates read it) and marks it here. No foreign key to transient: that would stop upstream
-- from truncating its own table; a mark counts only while the row is still 'computed'.
CREATE TABLE transient_bearer (
    execution_id  BIGINT NOT NULL,
    var_name      TEXT NOT NULL,
    PRIMARY KEY (execution_id, var_name)
);
