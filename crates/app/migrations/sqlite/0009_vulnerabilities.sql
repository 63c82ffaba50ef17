-- Vulnerability intelligence. Keep in step with ../postgres/0009_vulnerabilities.sql.
-- Feed data (KEV, NVD, JVN, CPE products) is public knowledge shared by every facility of an
-- installation; matches, suppressions and alerts belong to a facility.

-- Each device names what runs on it as CPE 2.3 names, separated by spaces. An OS name keeps `*`
-- as its version: the version lives only in os_version, so a firmware update re-matches.
ALTER TABLE devices ADD COLUMN cpes TEXT NOT NULL DEFAULT '';

-- One row per feed file identity (e.g. 'kev', 'nvd:2018', 'jvn:overview'): what was loaded last.
CREATE TABLE vuln_feeds (
    feed              TEXT PRIMARY KEY,
    source            TEXT NOT NULL CHECK (source IN ('kev', 'nvd', 'jvn', 'cpe')),
    version           TEXT NOT NULL,
    file_name         TEXT NOT NULL,
    entries           INTEGER NOT NULL,
    added             INTEGER NOT NULL,
    updated           INTEGER NOT NULL,
    imported_at       TEXT NOT NULL,
    imported_by       TEXT NOT NULL
);

CREATE TABLE vuln_kev (
    cve_id            TEXT PRIMARY KEY,
    vendor_project    TEXT NOT NULL,
    product           TEXT NOT NULL,
    name              TEXT NOT NULL,
    short_description TEXT NOT NULL,
    required_action   TEXT NOT NULL,
    date_added        TEXT NOT NULL,
    due_date          TEXT NOT NULL,
    ransomware        INTEGER NOT NULL,
    notes             TEXT NOT NULL
);

-- configurations: the CVE's AND/OR criteria as compact JSON (see vuln::model::Configs).
CREATE TABLE vuln_cves (
    cve_id            TEXT PRIMARY KEY,
    published         TEXT NOT NULL,
    last_modified     TEXT NOT NULL,
    description       TEXT NOT NULL,
    cvss_version      TEXT NOT NULL,
    cvss_score_x10    INTEGER NOT NULL,
    cvss_severity     TEXT NOT NULL,
    cvss_vector       TEXT NOT NULL,
    cwes              TEXT NOT NULL,
    refs              TEXT NOT NULL,
    configurations    TEXT NOT NULL
);

-- Which vendor:product pairs a CVE's criteria name: the index that keeps matching proportional
-- to the candidates of each device rather than to every CVE.
CREATE TABLE vuln_cve_products (
    cve_id            TEXT NOT NULL,
    vendor_product    TEXT NOT NULL,
    PRIMARY KEY (vendor_product, cve_id)
);
CREATE INDEX vuln_cve_products_cve ON vuln_cve_products (cve_id);

CREATE TABLE vuln_jvn (
    jvn_id            TEXT PRIMARY KEY,
    title             TEXT NOT NULL,
    summary           TEXT NOT NULL,
    solution          TEXT NOT NULL,
    link              TEXT NOT NULL,
    cvss_score_x10    INTEGER NOT NULL,
    cvss_severity     TEXT NOT NULL,
    published         TEXT NOT NULL,
    modified          TEXT NOT NULL
);
CREATE TABLE vuln_jvn_cves (
    jvn_id            TEXT NOT NULL,
    cve_id            TEXT NOT NULL,
    PRIMARY KEY (cve_id, jvn_id)
);
CREATE INDEX vuln_jvn_cves_jvn ON vuln_jvn_cves (jvn_id);
CREATE TABLE vuln_jvn_products (
    jvn_id            TEXT NOT NULL,
    vendor_product    TEXT NOT NULL,
    cpe               TEXT NOT NULL,
    PRIMARY KEY (vendor_product, jvn_id)
);
CREATE INDEX vuln_jvn_products_jvn ON vuln_jvn_products (jvn_id);

-- Product names known from the CPE dictionary and NVD, for suggesting a device's CPEs.
CREATE TABLE vuln_products (
    part              TEXT NOT NULL,
    vendor            TEXT NOT NULL,
    product           TEXT NOT NULL,
    title             TEXT NOT NULL,
    title_ja          TEXT NOT NULL,
    PRIMARY KEY (part, vendor, product)
);

-- vuln_id: a CVE id, or a JVNDB id for a JVN entry that names no CVE.
CREATE TABLE vuln_matches (
    id                INTEGER PRIMARY KEY,
    facility_id       INTEGER NOT NULL REFERENCES facilities(id),
    device_id         INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
    vuln_id           TEXT NOT NULL,
    confidence        TEXT NOT NULL CHECK (confidence IN ('exact', 'product', 'jvn')),
    source            TEXT NOT NULL CHECK (source IN ('nvd', 'jvn', 'kev')),
    device_cpe        TEXT NOT NULL,
    device_version    TEXT NOT NULL,
    criterion         TEXT NOT NULL,
    range_text        TEXT NOT NULL,
    fixed_version     TEXT NOT NULL,
    note              TEXT NOT NULL,
    first_seen        TEXT NOT NULL,
    UNIQUE (device_id, vuln_id)
);
CREATE INDEX vuln_matches_facility ON vuln_matches (facility_id, vuln_id);

CREATE TABLE vuln_suppressions (
    id                INTEGER PRIMARY KEY,
    facility_id       INTEGER NOT NULL REFERENCES facilities(id),
    device_id         INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
    vuln_id           TEXT NOT NULL,
    kind              TEXT NOT NULL CHECK (kind IN ('false_positive', 'accepted')),
    reason            TEXT NOT NULL,
    until             TEXT NOT NULL,
    created_by        TEXT NOT NULL,
    created_at        TEXT NOT NULL,
    UNIQUE (device_id, vuln_id)
);

-- Where matching last stood for a facility: the audit row it saw, so a ledger change (which is
-- always audited) triggers a re-match without the ledger knowing about vulnerabilities.
CREATE TABLE vuln_state (
    facility_id       INTEGER PRIMARY KEY REFERENCES facilities(id),
    audit_mark        INTEGER NOT NULL,
    refreshed_at      TEXT NOT NULL
);

CREATE TABLE vuln_alerts (
    id                INTEGER PRIMARY KEY,
    facility_id       INTEGER NOT NULL REFERENCES facilities(id),
    created_at        TEXT NOT NULL,
    cause             TEXT NOT NULL CHECK (cause IN ('feed', 'ledger')),
    device_id         INTEGER NOT NULL,
    device_name       TEXT NOT NULL,
    vuln_id           TEXT NOT NULL,
    kev               INTEGER NOT NULL,
    ransomware        INTEGER NOT NULL,
    cvss_score_x10    INTEGER NOT NULL,
    email_status      TEXT NOT NULL DEFAULT '',
    webhook_status    TEXT NOT NULL DEFAULT '',
    read_at           TEXT NOT NULL DEFAULT ''
);
CREATE INDEX vuln_alerts_facility ON vuln_alerts (facility_id, created_at);
