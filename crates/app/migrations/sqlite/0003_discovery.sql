-- Discovery: every imported network scan is kept, so the history of differences stays visible.
-- Keep in step with ../postgres/0003_discovery.sql.

CREATE TABLE scans (
    id           INTEGER PRIMARY KEY,
    facility_id  INTEGER NOT NULL REFERENCES facilities(id),
    source       TEXT NOT NULL,
    file_name    TEXT NOT NULL DEFAULT '',
    nmap_args    TEXT NOT NULL DEFAULT '',
    scanned_at   TEXT NOT NULL DEFAULT '',
    imported_at  TEXT NOT NULL,
    imported_by  TEXT NOT NULL,
    host_count   INTEGER NOT NULL,
    -- JSON list of the hosts that answered (address, MAC, name, OS guess, open ports)
    hosts        TEXT NOT NULL
);
CREATE INDEX scans_facility ON scans (facility_id, id);

-- Addresses on the network that are known and need no ledger entry (with the reason).
CREATE TABLE discovery_ignores (
    id           INTEGER PRIMARY KEY,
    facility_id  INTEGER NOT NULL REFERENCES facilities(id),
    address      TEXT NOT NULL,
    reason       TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    UNIQUE (facility_id, address)
);
