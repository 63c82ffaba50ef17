-- Ledger: medical information systems, network segments, links from devices and connection
-- points, user-defined fields, stocktakes. Keep in step with ../postgres/0005_systems_segments.sql.
-- References between records are stored as space-separated ids in TEXT columns, checked by the
-- program against the facility's records on every write.

CREATE TABLE systems (
    id                INTEGER PRIMARY KEY,
    facility_id       INTEGER NOT NULL REFERENCES facilities(id),
    name              TEXT NOT NULL,
    purpose           TEXT NOT NULL DEFAULT '',
    patient_data      TEXT NOT NULL DEFAULT 'unknown' CHECK (patient_data IN ('unknown', 'yes', 'no')),
    sensitive_data    TEXT NOT NULL DEFAULT 'unknown' CHECK (sensitive_data IN ('unknown', 'yes', 'no')),
    owner_department  TEXT NOT NULL DEFAULT '',
    vendor            TEXT NOT NULL DEFAULT '',
    importance        TEXT NOT NULL DEFAULT 'other' CHECK (importance IN ('essential', 'important', 'other')),
    notes             TEXT NOT NULL DEFAULT '',
    custom            TEXT NOT NULL DEFAULT '',
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE UNIQUE INDEX systems_name ON systems (facility_id, name);

CREATE TABLE segments (
    id                INTEGER PRIMARY KEY,
    facility_id       INTEGER NOT NULL REFERENCES facilities(id),
    name              TEXT NOT NULL,
    cidrs             TEXT NOT NULL DEFAULT '',
    vlan              TEXT NOT NULL DEFAULT '',
    purpose           TEXT NOT NULL DEFAULT 'other' CHECK (purpose IN ('emr', 'medical', 'office', 'guest', 'management', 'other')),
    reaches           TEXT NOT NULL DEFAULT '',
    notes             TEXT NOT NULL DEFAULT '',
    custom            TEXT NOT NULL DEFAULT '',
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE UNIQUE INDEX segments_name ON segments (facility_id, name);

ALTER TABLE devices ADD COLUMN systems TEXT NOT NULL DEFAULT '';
ALTER TABLE devices ADD COLUMN segment TEXT NOT NULL DEFAULT '';
ALTER TABLE devices ADD COLUMN custom TEXT NOT NULL DEFAULT '';
ALTER TABLE connection_points ADD COLUMN device TEXT NOT NULL DEFAULT '';
ALTER TABLE connection_points ADD COLUMN custom TEXT NOT NULL DEFAULT '';
CREATE INDEX devices_facility_department ON devices (facility_id, department);

-- Fields a hospital adds to a kind of record without a program change.
CREATE TABLE custom_fields (
    id                INTEGER PRIMARY KEY,
    facility_id       INTEGER NOT NULL REFERENCES facilities(id),
    record_table      TEXT NOT NULL,
    name              TEXT NOT NULL,
    field_type        TEXT NOT NULL CHECK (field_type IN ('text', 'date', 'number', 'yesno')),
    position          INTEGER NOT NULL,
    created_at        TEXT NOT NULL
);
CREATE UNIQUE INDEX custom_fields_name ON custom_fields (facility_id, record_table, name);

-- Stocktakes (棚卸): one open at a time per facility.
CREATE TABLE stocktakes (
    id                INTEGER PRIMARY KEY,
    facility_id       INTEGER NOT NULL REFERENCES facilities(id),
    started_at        TEXT NOT NULL,
    started_by        TEXT NOT NULL,
    finished_at       TEXT NOT NULL DEFAULT '',
    finished_by       TEXT NOT NULL DEFAULT ''
);

CREATE TABLE stocktake_items (
    stocktake_id      INTEGER NOT NULL REFERENCES stocktakes(id),
    device_id         INTEGER NOT NULL REFERENCES devices(id),
    result            TEXT NOT NULL CHECK (result IN ('confirmed', 'missing', 'disposed')),
    checked_by        TEXT NOT NULL,
    checked_at        TEXT NOT NULL,
    PRIMARY KEY (stocktake_id, device_id)
);
