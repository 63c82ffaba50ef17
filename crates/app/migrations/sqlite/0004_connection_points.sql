-- External connection points (外部接続点). Keep in step with ../postgres/0004_connection_points.sql.

CREATE TABLE connection_points (
    id                 INTEGER PRIMARY KEY,
    facility_id        INTEGER NOT NULL REFERENCES facilities(id),
    name               TEXT NOT NULL,
    connection_kind    TEXT NOT NULL CHECK (connection_kind IN ('ssl-vpn', 'ipsec', 'leased', 'rdp-gateway', 'cloud', 'mobile-router', 'other')),
    purpose            TEXT NOT NULL CHECK (purpose IN ('remote-maintenance', 'regional', 'online-eligibility', 'claims', 'internet', 'other')),
    equipment          TEXT NOT NULL DEFAULT '',
    installed_by       TEXT NOT NULL DEFAULT '',
    managed_by         TEXT NOT NULL DEFAULT '',
    source_restricted  TEXT NOT NULL CHECK (source_restricted IN ('unknown', 'yes', 'no')),
    allowed_sources    TEXT NOT NULL DEFAULT '',
    availability       TEXT NOT NULL CHECK (availability IN ('always', 'on-demand')),
    authentication     TEXT NOT NULL CHECK (authentication IN ('unknown', 'password', 'certificate', 'two-factor', 'none')),
    log_destination    TEXT NOT NULL DEFAULT '',
    confirmed_on       TEXT NOT NULL DEFAULT '',
    confirmed_with     TEXT NOT NULL DEFAULT '',
    notes              TEXT NOT NULL DEFAULT '',
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
);
CREATE INDEX connection_points_facility ON connection_points (facility_id);
