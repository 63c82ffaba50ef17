-- Checklist item masters added with `mamori checklist import-master` (the versions shipped with
-- mamori live in the program). Keep in step with ../postgres/0007_checklist_masters.sql.
CREATE TABLE checklist_masters (
    id                INTEGER PRIMARY KEY,
    version           TEXT NOT NULL,
    form              TEXT NOT NULL,
    content           TEXT NOT NULL,
    sha256            TEXT NOT NULL,
    imported_at       TEXT NOT NULL,
    imported_by       TEXT NOT NULL
);
CREATE UNIQUE INDEX checklist_masters_key ON checklist_masters (version, form);
