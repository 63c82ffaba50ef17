-- Ledger (台帳): devices. Keep in step with ../postgres/0002_ledger_devices.sql.
-- IP and MAC addresses are stored normalised, separated by single spaces.

CREATE TABLE devices (
    id                  INTEGER PRIMARY KEY,
    facility_id         INTEGER NOT NULL REFERENCES facilities(id),
    kind                TEXT NOT NULL CHECK (kind IN ('server', 'pc', 'network', 'medical', 'other')),
    name                TEXT NOT NULL,
    asset_number        TEXT NOT NULL DEFAULT '',
    maker               TEXT NOT NULL DEFAULT '',
    model               TEXT NOT NULL DEFAULT '',
    serial_number       TEXT NOT NULL DEFAULT '',
    os_name             TEXT NOT NULL DEFAULT '',
    os_version          TEXT NOT NULL DEFAULT '',
    location            TEXT NOT NULL DEFAULT '',
    department          TEXT NOT NULL DEFAULT '',
    manager             TEXT NOT NULL DEFAULT '',
    users               TEXT NOT NULL DEFAULT '',
    maintenance_vendor  TEXT NOT NULL DEFAULT '',
    hostname            TEXT NOT NULL DEFAULT '',
    ip_addresses        TEXT NOT NULL DEFAULT '',
    mac_addresses       TEXT NOT NULL DEFAULT '',
    external_connection TEXT NOT NULL DEFAULT 'none' CHECK (external_connection IN ('internet', 'vpn', 'leased', 'none')),
    remote_maintenance  TEXT NOT NULL DEFAULT 'unknown' CHECK (remote_maintenance IN ('yes', 'no', 'unknown')),
    end_of_support      TEXT NOT NULL DEFAULT '',
    last_patched        TEXT NOT NULL DEFAULT '',
    status              TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'spare', 'retiring', 'retired')),
    last_confirmed      TEXT NOT NULL DEFAULT '',
    notes               TEXT NOT NULL DEFAULT '',
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);
CREATE INDEX devices_facility_kind ON devices (facility_id, kind);
CREATE UNIQUE INDEX devices_asset_number ON devices (facility_id, asset_number) WHERE asset_number <> '';
