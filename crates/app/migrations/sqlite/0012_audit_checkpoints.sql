-- Signed checkpoints of the audit trail (issue #15). Keep in step with the other database's tree.
-- Each says: row `seq` of the trail had hash `hash` at `at`, signed with the key kept outside
-- the database, so a trail rewritten or rolled back below it is caught by `mamori audit verify`.
CREATE TABLE audit_checkpoints (
    seq        INTEGER PRIMARY KEY,
    hash       TEXT NOT NULL,
    at         TEXT NOT NULL,
    signature  TEXT NOT NULL
);
