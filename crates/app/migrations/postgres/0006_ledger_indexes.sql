-- Indexes for a ledger of thousands of devices. Keep in step with ../sqlite/0006_ledger_indexes.sql
-- (which also has a covering index for the free-text search).
CREATE INDEX stocktake_items_device ON stocktake_items (device_id);
