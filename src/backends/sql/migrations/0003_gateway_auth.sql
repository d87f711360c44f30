-- The gateway's users, roles, playbook permissions, sessions and audit trail (issue 18), with
-- upstream's table and column names (noetl/e2e auth provisioning), so a gateway and an upstream
-- NoETL server can share them. They live in their own schema: `auth` next to the default `noetl`
-- schema (upstream's layout), `<schema>_auth` next to any other (two noetl schemas in one
-- database, as the tests make, keep apart). Everything is IF NOT EXISTS: on a database where
-- upstream already made them, this adds nothing. Differences from upstream, on purpose: the
-- session_token column holds the SHA-256 of the token (never the token), and the seeded
-- patterns are LIKE patterns ('%', 'system/%') since the permission check matches with LIKE.

DO $auth$
DECLARE
    auth_schema TEXT := CASE WHEN current_schema() = 'noetl' THEN 'auth' ELSE current_schema() || '_auth' END;
BEGIN
    EXECUTE format('CREATE SCHEMA IF NOT EXISTS %I', auth_schema);
    -- The rest of this file (this transaction only) creates its tables there.
    PERFORM set_config('search_path', quote_ident(auth_schema), true);
END
$auth$;

CREATE TABLE IF NOT EXISTS users (
    user_id        BIGSERIAL PRIMARY KEY,
    auth0_id       VARCHAR(255) UNIQUE NOT NULL,
    email          VARCHAR(255) UNIQUE NOT NULL,
    display_name   VARCHAR(255),
    profile_data   JSONB DEFAULT '{}',
    created_at     TIMESTAMPTZ DEFAULT now(),
    updated_at     TIMESTAMPTZ DEFAULT now(),
    last_login_at  TIMESTAMPTZ,
    is_active      BOOLEAN DEFAULT true,
    CONSTRAINT email_format CHECK (email ~* '^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$')
);

CREATE TABLE IF NOT EXISTS roles (
    role_id         SERIAL PRIMARY KEY,
    role_name       VARCHAR(50) UNIQUE NOT NULL,
    description     TEXT,
    is_system_role  BOOLEAN DEFAULT false,
    created_at      TIMESTAMPTZ DEFAULT now(),
    CONSTRAINT role_name_lowercase CHECK (role_name = lower(role_name))
);

CREATE TABLE IF NOT EXISTS permissions (
    permission_id    SERIAL PRIMARY KEY,
    permission_name  VARCHAR(100) UNIQUE NOT NULL,
    resource_type    VARCHAR(50) NOT NULL,
    action           VARCHAR(50) NOT NULL,
    description      TEXT,
    created_at       TIMESTAMPTZ DEFAULT now(),
    CONSTRAINT permission_name_format CHECK (permission_name ~ '^[a-z0-9_:]+$')
);

CREATE TABLE IF NOT EXISTS user_roles (
    user_id     BIGINT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    role_id     INTEGER NOT NULL REFERENCES roles (role_id) ON DELETE CASCADE,
    granted_at  TIMESTAMPTZ DEFAULT now(),
    granted_by  BIGINT REFERENCES users (user_id),
    expires_at  TIMESTAMPTZ,
    PRIMARY KEY (user_id, role_id)
);

CREATE TABLE IF NOT EXISTS role_permissions (
    role_id        INTEGER NOT NULL REFERENCES roles (role_id) ON DELETE CASCADE,
    permission_id  INTEGER NOT NULL REFERENCES permissions (permission_id) ON DELETE CASCADE,
    granted_at     TIMESTAMPTZ DEFAULT now(),
    PRIMARY KEY (role_id, permission_id)
);

CREATE TABLE IF NOT EXISTS playbook_permissions (
    permission_id  BIGSERIAL PRIMARY KEY,
    role_id        INTEGER NOT NULL REFERENCES roles (role_id) ON DELETE CASCADE,
    playbook_path  VARCHAR(500) NOT NULL,
    can_execute    BOOLEAN DEFAULT false,
    can_view       BOOLEAN DEFAULT false,
    can_modify     BOOLEAN DEFAULT false,
    allow_pattern  VARCHAR(500),
    deny_pattern   VARCHAR(500),
    created_at     TIMESTAMPTZ DEFAULT now(),
    updated_at     TIMESTAMPTZ DEFAULT now(),
    CONSTRAINT playbook_path_format CHECK (playbook_path ~ '^[a-z0-9/_*%-]+$')
);

CREATE TABLE IF NOT EXISTS sessions (
    session_id           BIGSERIAL PRIMARY KEY,
    user_id              BIGINT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    session_token        VARCHAR(255) UNIQUE NOT NULL,
    auth0_token          TEXT,
    auth0_refresh_token  TEXT,
    created_at           TIMESTAMPTZ DEFAULT now(),
    expires_at           TIMESTAMPTZ NOT NULL,
    last_activity_at     TIMESTAMPTZ DEFAULT now(),
    ip_address           INET,
    user_agent           TEXT,
    is_active            BOOLEAN DEFAULT true,
    CONSTRAINT valid_expiration CHECK (expires_at > created_at)
);

CREATE TABLE IF NOT EXISTS audit_log (
    log_id         BIGSERIAL PRIMARY KEY,
    user_id        BIGINT REFERENCES users (user_id) ON DELETE SET NULL,
    session_id     BIGINT REFERENCES sessions (session_id) ON DELETE SET NULL,
    event_type     VARCHAR(50) NOT NULL,
    event_status   VARCHAR(20) NOT NULL,
    resource_type  VARCHAR(50),
    resource_id    VARCHAR(255),
    event_details  JSONB DEFAULT '{}',
    ip_address     INET,
    user_agent     TEXT,
    created_at     TIMESTAMPTZ DEFAULT now()
);

CREATE INDEX IF NOT EXISTS idx_user_roles_role ON user_roles (role_id);
CREATE INDEX IF NOT EXISTS idx_playbook_perms_role ON playbook_permissions (role_id);
CREATE INDEX IF NOT EXISTS idx_sessions_user ON sessions (user_id);
CREATE INDEX IF NOT EXISTS idx_audit_log_user ON audit_log (user_id);
CREATE INDEX IF NOT EXISTS idx_audit_log_created ON audit_log (created_at DESC);

INSERT INTO roles (role_name, description, is_system_role) VALUES
    ('admin', 'Full system access', true),
    ('developer', 'Create and manage playbooks', true),
    ('analyst', 'Execute playbooks and view results', true),
    ('viewer', 'View playbooks and execution history', true)
ON CONFLICT (role_name) DO NOTHING;

INSERT INTO permissions (permission_name, resource_type, action, description) VALUES
    ('playbook:execute', 'playbook', 'execute', 'Execute playbooks'),
    ('playbook:view', 'playbook', 'view', 'View playbook definitions'),
    ('playbook:create', 'playbook', 'create', 'Create new playbooks'),
    ('playbook:modify', 'playbook', 'modify', 'Modify existing playbooks'),
    ('playbook:delete', 'playbook', 'delete', 'Delete playbooks'),
    ('catalog:view', 'catalog', 'view', 'View catalog entries'),
    ('catalog:manage', 'catalog', 'manage', 'Manage catalog'),
    ('credential:view', 'credential', 'view', 'View credentials'),
    ('credential:manage', 'credential', 'manage', 'Manage credentials'),
    ('execution:view', 'execution', 'view', 'View execution history'),
    ('execution:cancel', 'execution', 'cancel', 'Cancel running executions'),
    ('system:admin', 'system', 'admin', 'System administration')
ON CONFLICT (permission_name) DO NOTHING;

INSERT INTO role_permissions (role_id, permission_id)
SELECT r.role_id, p.permission_id FROM roles r JOIN permissions p ON
       r.role_name = 'admin'
    OR (r.role_name = 'developer' AND p.permission_name IN ('playbook:execute', 'playbook:view', 'playbook:create', 'playbook:modify', 'catalog:view', 'credential:view', 'execution:view'))
    OR (r.role_name = 'analyst' AND p.permission_name IN ('playbook:execute', 'playbook:view', 'execution:view'))
    OR (r.role_name = 'viewer' AND p.permission_name IN ('playbook:view', 'execution:view'))
ON CONFLICT DO NOTHING;

-- Upstream's default playbook grants, only when the roles have none yet (a shared database keeps its own).
INSERT INTO playbook_permissions (role_id, playbook_path, can_execute, can_view, can_modify, allow_pattern, deny_pattern)
SELECT r.role_id, g.playbook_path, g.can_execute, g.can_view, g.can_modify, g.allow_pattern, g.deny_pattern
FROM roles r JOIN (VALUES
    ('admin', '*', true, true, true, '%', NULL),
    ('developer', '*', true, true, true, '%', 'system/%'),
    ('analyst', 'data/*', true, true, false, 'data/%', NULL),
    ('viewer', '*', false, true, false, '%', NULL)
) AS g (role_name, playbook_path, can_execute, can_view, can_modify, allow_pattern, deny_pattern) ON g.role_name = r.role_name
WHERE NOT EXISTS (SELECT 1 FROM playbook_permissions p WHERE p.role_id = r.role_id);
