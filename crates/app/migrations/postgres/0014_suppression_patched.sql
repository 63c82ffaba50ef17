-- A match can be marked as patched (対応済み) besides false positive and accepted risk (issue
-- #16). Keep in step with ../sqlite/0014_suppression_patched.sql.
ALTER TABLE vuln_suppressions DROP CONSTRAINT vuln_suppressions_kind_check;
ALTER TABLE vuln_suppressions ADD CONSTRAINT vuln_suppressions_kind_check
    CHECK (kind IN ('patched', 'false_positive', 'accepted'));
