-- Indexes for a ledger of thousands of devices. Keep in step with ../postgres/0006_ledger_indexes.sql.
-- The search index covers every column the list's free-text search reads, so a search scans
-- the narrow index instead of the wide table. PostgreSQL scans its table fast enough and would
-- refuse index entries for very long address lists, so it has no such index.
CREATE INDEX devices_search ON devices (facility_id, name, hostname, ip_addresses, asset_number, location);
CREATE INDEX stocktake_items_device ON stocktake_items (device_id);
