-- Where a connection point came from (issue #16): '' when people entered it, 'ledger:vpn',
-- 'ledger:internet' or 'ledger:leased' when a device's 外部接続 made it. Keeps one such point
-- per device and kind. Keep in step with ../sqlite/0013_connection_source.sql.
ALTER TABLE connection_points ADD COLUMN source TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX connection_points_source ON connection_points (facility_id, device, source) WHERE source <> '';
