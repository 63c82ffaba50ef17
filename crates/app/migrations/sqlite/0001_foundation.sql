-- mamori foundation schema (SQLite). Keep in step with ../postgres/0001_foundation.sql:
-- a parity test compares tables and columns of both trees.
-- Booleans are stored as 0/1 integers in both databases so the same statements and bindings work on each.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
INSERT INTO meta (key, value) VALUES ('application', 'mamori');

CREATE TABLE facilities (
    id                      INTEGER PRIMARY KEY,
    name                    TEXT NOT NULL,
    founder                 TEXT NOT NULL DEFAULT '',
    address                 TEXT NOT NULL DEFAULT '',
    beds                    INTEGER,
    director                TEXT NOT NULL DEFAULT '',
    security_manager_name   TEXT NOT NULL DEFAULT '',
    security_manager_role   TEXT NOT NULL DEFAULT '',
    security_manager_appointed_on TEXT NOT NULL DEFAULT '',
    security_manager_approved_by  TEXT NOT NULL DEFAULT '',
    security_manager_approved_on  TEXT NOT NULL DEFAULT '',
    security_manager_scope  TEXT NOT NULL DEFAULT '',
    require_totp            INTEGER NOT NULL DEFAULT 0,
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL
);

CREATE TABLE vendors (
    id           INTEGER PRIMARY KEY,
    facility_id  INTEGER NOT NULL REFERENCES facilities(id),
    name         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    UNIQUE (facility_id, name)
);

CREATE TABLE users (
    id              INTEGER PRIMARY KEY,
    facility_id     INTEGER NOT NULL REFERENCES facilities(id),
    login           TEXT NOT NULL UNIQUE,
    display_name    TEXT NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('admin', 'staff', 'viewer', 'vendor')),
    vendor_id       INTEGER REFERENCES vendors(id),
    password_hash   TEXT NOT NULL,
    totp_secret     TEXT,
    totp_pending_secret TEXT,
    totp_last_step  INTEGER,
    disabled        INTEGER NOT NULL DEFAULT 0,
    language        TEXT NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    CHECK ((role = 'vendor') = (vendor_id IS NOT NULL))
);

CREATE TABLE recovery_codes (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    code_hash   TEXT NOT NULL,
    used_at     TEXT
);
CREATE INDEX recovery_codes_user ON recovery_codes (user_id);

CREATE TABLE sessions (
    token_hash          TEXT PRIMARY KEY,
    user_id             INTEGER NOT NULL REFERENCES users(id),
    stage               TEXT NOT NULL CHECK (stage IN ('totp', 'full')),
    csrf_token          TEXT NOT NULL,
    ip                  TEXT NOT NULL,
    created_at          TEXT NOT NULL,
    last_seen_at        TEXT NOT NULL,
    absolute_expires_at TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE setup_tokens (
    token_hash  TEXT PRIMARY KEY,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT
);

CREATE TABLE login_failures (
    id      INTEGER PRIMARY KEY,
    at      TEXT NOT NULL,
    login   TEXT NOT NULL,
    ip      TEXT NOT NULL
);
CREATE INDEX login_failures_login ON login_failures (login, at);
CREATE INDEX login_failures_ip ON login_failures (ip, at);

-- The audit trail: append-only and hash-chained (each row carries the hash of the one before).
CREATE TABLE audit_events (
    seq          INTEGER PRIMARY KEY,
    at           TEXT NOT NULL,
    facility_id  INTEGER,
    actor_id     INTEGER,
    actor_name   TEXT NOT NULL,
    actor_ip     TEXT NOT NULL,
    action       TEXT NOT NULL,
    entity_type  TEXT NOT NULL,
    entity_id    TEXT NOT NULL,
    entity_label TEXT NOT NULL,
    changes      TEXT NOT NULL,
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL UNIQUE
);
CREATE INDEX audit_events_at ON audit_events (at);
CREATE INDEX audit_events_entity ON audit_events (entity_type, at);
CREATE INDEX audit_events_actor ON audit_events (actor_id, at);

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;
