-- What upstream NoETL's servers need of a schema noetl created (UPSTREAM-SCHEMA.md), so they can
-- insert into it: snowflake_id() (epoch 2024-01-01, 23-bit shift, shard 1, sequence % 1024) as
-- the default of the id columns, the catalog columns their INSERTs name (layout, payload, meta,
-- credential_id, content optional, version from a sequence when not given) and the `resource`
-- table of kinds. Existing ids and rows are kept as they are.

CREATE SEQUENCE snowflake_seq;

-- search_path fixed at creation: the function finds its sequence whatever the caller's path is.
CREATE FUNCTION snowflake_id() RETURNS BIGINT
LANGUAGE sql VOLATILE
SET search_path FROM CURRENT
AS $$
    SELECT ((FLOOR(EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT - 1704067200000) << 23)
         | ((1 & 31) << 18)
         | (nextval('snowflake_seq') % 1024 & 262143)
$$;

ALTER TABLE credential ALTER COLUMN id SET DEFAULT snowflake_id();

CREATE SEQUENCE catalog_version_seq OWNED BY catalog.version;
ALTER TABLE catalog
    ALTER COLUMN catalog_id SET DEFAULT snowflake_id(),
    ALTER COLUMN version SET DEFAULT nextval('catalog_version_seq'),
    ALTER COLUMN content DROP NOT NULL,
    ADD COLUMN layout JSONB,
    ADD COLUMN payload JSONB,
    ADD COLUMN meta JSONB,
    ADD COLUMN credential_id INTEGER;

CREATE TABLE resource (name TEXT PRIMARY KEY);
INSERT INTO resource (name) VALUES ('playbook'), ('credential'), ('mcp'), ('agent'), ('memory');
