-- Checklist answers per facility and fiscal year: one hospital form per year, one vendor form per
-- vendor and system; answers per item; evidence (links to records, uploaded files); wording
-- corrected for this installation. Keep in step with ../postgres/0008_checklist_answers.sql.
CREATE TABLE checklist_forms (
    id                INTEGER PRIMARY KEY,
    facility_id       INTEGER NOT NULL REFERENCES facilities(id),
    fiscal_year       INTEGER NOT NULL,
    version           TEXT NOT NULL,
    form              TEXT NOT NULL CHECK (form IN ('hospital', 'vendor')),
    vendor_id         INTEGER REFERENCES vendors(id),
    system_name       TEXT NOT NULL DEFAULT '',
    gate              TEXT NOT NULL DEFAULT '' CHECK (gate IN ('', 'yes', 'no')),
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE INDEX checklist_forms_year ON checklist_forms (facility_id, fiscal_year);

CREATE TABLE checklist_answers (
    id                INTEGER PRIMARY KEY,
    form_id           INTEGER NOT NULL REFERENCES checklist_forms(id),
    item              TEXT NOT NULL,
    answer1           TEXT NOT NULL DEFAULT '' CHECK (answer1 IN ('', 'yes', 'no')),
    date1             TEXT NOT NULL DEFAULT '',
    target_date       TEXT NOT NULL DEFAULT '',
    answer2           TEXT NOT NULL DEFAULT '' CHECK (answer2 IN ('', 'yes', 'no')),
    date2             TEXT NOT NULL DEFAULT '',
    remarks           TEXT NOT NULL DEFAULT '',
    confirmed_by      TEXT NOT NULL DEFAULT '',
    updated_at        TEXT NOT NULL,
    updated_by        TEXT NOT NULL,
    UNIQUE (form_id, item)
);

CREATE TABLE checklist_files (
    id                INTEGER PRIMARY KEY,
    facility_id       INTEGER NOT NULL REFERENCES facilities(id),
    name              TEXT NOT NULL,
    content_type      TEXT NOT NULL,
    size              INTEGER NOT NULL,
    sha256            TEXT NOT NULL,
    content           BLOB NOT NULL,
    uploaded_at       TEXT NOT NULL,
    uploaded_by       TEXT NOT NULL
);

CREATE TABLE checklist_evidence (
    id                INTEGER PRIMARY KEY,
    form_id           INTEGER NOT NULL REFERENCES checklist_forms(id),
    item              TEXT NOT NULL,
    record_table      TEXT NOT NULL DEFAULT '',
    record_id         INTEGER,
    file_id           INTEGER REFERENCES checklist_files(id),
    label             TEXT NOT NULL,
    added_at          TEXT NOT NULL,
    added_by          TEXT NOT NULL
);
CREATE INDEX checklist_evidence_form ON checklist_evidence (form_id);

CREATE TABLE checklist_wording (
    id                INTEGER PRIMARY KEY,
    version           TEXT NOT NULL,
    form              TEXT NOT NULL,
    item              TEXT NOT NULL,
    text              TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    updated_by        TEXT NOT NULL,
    UNIQUE (version, form, item)
);
