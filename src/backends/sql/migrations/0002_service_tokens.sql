-- Service tokens for `noetl serve` (issue 14): the token itself is never stored, only its
-- SHA-256; and the audit trail of what a server (or a direct client) did on whose behalf:
-- who, what, when, from where, and how it ended; never a value.

CREATE TABLE service_token (
    name          TEXT PRIMARY KEY,
    role          TEXT NOT NULL CHECK (role IN ('reader', 'writer', 'revealer', 'admin')),
    token_sha256  TEXT NOT NULL UNIQUE,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at    TIMESTAMPTZ,
    last_used_at  TIMESTAMPTZ
);

CREATE TABLE audit_log (
    id        BIGSERIAL PRIMARY KEY,
    at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    target    TEXT,
    source    TEXT,
    outcome   TEXT NOT NULL
);

CREATE INDEX idx_audit_log_at ON audit_log (at);
