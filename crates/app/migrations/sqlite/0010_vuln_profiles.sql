-- Matches kept per profile rather than per device. Keep in step with
-- ../postgres/0010_vuln_profiles.sql.
-- Devices that name the same CPEs and version (300 identical PCs) match alike, so one row per
-- profile and vulnerability is stored, and each device points at its profile. A hospital with
-- thousands of PCs then stores hundreds of rows instead of millions.
-- Matches are derived data: they are recomputed from the ledger and the feeds, so the old
-- per-device table goes and matching runs again on next use.

DROP TABLE vuln_matches;
DELETE FROM vuln_state;

CREATE TABLE vuln_profiles (
    id                INTEGER PRIMARY KEY,
    facility_id       INTEGER NOT NULL REFERENCES facilities(id),
    cpes              TEXT NOT NULL,
    os_version        TEXT NOT NULL,
    UNIQUE (facility_id, cpes, os_version)
);

-- Exact matches only (the version is in range); the others are computed when shown.
-- vuln_id: a CVE id, or a JVNDB id for a JVN entry that names no CVE.
CREATE TABLE vuln_profile_matches (
    profile_id        INTEGER NOT NULL REFERENCES vuln_profiles(id) ON DELETE CASCADE,
    vuln_id           TEXT NOT NULL,
    source            TEXT NOT NULL CHECK (source IN ('nvd', 'jvn', 'kev')),
    device_cpe        TEXT NOT NULL,
    device_version    TEXT NOT NULL,
    criterion         TEXT NOT NULL,
    range_text        TEXT NOT NULL,
    fixed_version     TEXT NOT NULL,
    note              TEXT NOT NULL,
    first_seen        TEXT NOT NULL,
    PRIMARY KEY (profile_id, vuln_id)
);
CREATE INDEX vuln_profile_matches_vuln ON vuln_profile_matches (vuln_id);

-- since: when the device took this profile (its CPEs or version last changed).
CREATE TABLE vuln_device_profiles (
    device_id         INTEGER PRIMARY KEY REFERENCES devices(id) ON DELETE CASCADE,
    facility_id       INTEGER NOT NULL REFERENCES facilities(id),
    profile_id        INTEGER NOT NULL REFERENCES vuln_profiles(id) ON DELETE CASCADE,
    since             TEXT NOT NULL
);
CREATE INDEX vuln_device_profiles_profile ON vuln_device_profiles (profile_id);
CREATE INDEX vuln_device_profiles_facility ON vuln_device_profiles (facility_id);

-- One alert per vulnerability and refresh: the first device is named, the rest counted.
ALTER TABLE vuln_alerts ADD COLUMN other_devices INTEGER NOT NULL DEFAULT 0;
