-- A match can be marked as patched (対応済み) besides false positive and accepted risk (issue
-- #16). SQLite cannot change a CHECK constraint, so the table is rebuilt with the same rows.
-- Keep in step with ../postgres/0014_suppression_patched.sql.
CREATE TABLE vuln_suppressions_new (
    id                INTEGER PRIMARY KEY,
    facility_id       INTEGER NOT NULL REFERENCES facilities(id),
    device_id         INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
    vuln_id           TEXT NOT NULL,
    kind              TEXT NOT NULL CHECK (kind IN ('patched', 'false_positive', 'accepted')),
    reason            TEXT NOT NULL,
    until             TEXT NOT NULL,
    created_by        TEXT NOT NULL,
    created_at        TEXT NOT NULL,
    UNIQUE (device_id, vuln_id)
);
INSERT INTO vuln_suppressions_new (id, facility_id, device_id, vuln_id, kind, reason, until, created_by, created_at)
    SELECT id, facility_id, device_id, vuln_id, kind, reason, until, created_by, created_at FROM vuln_suppressions;
DROP TABLE vuln_suppressions;
ALTER TABLE vuln_suppressions_new RENAME TO vuln_suppressions;
