-- +goose Up
-- The entries about a child's service that have no service day (a monthly
-- pass, an adjustment), by child and date: the calendar's month total reads
-- them with the day's charges (db/page_calendar.go). ledger_child_day is
-- partial (attendance_day IS NOT NULL), so without this index that part of
-- the total scanned the whole ledger.
CREATE INDEX ledger_child_undated ON ledger_entries (installation_id, child_id, service_id, entry_date)
    WHERE attendance_day IS NULL;

-- +goose Down
DROP INDEX ledger_child_undated;
