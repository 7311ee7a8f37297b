-- +goose NO TRANSACTION
-- +goose Up
-- The balance of a paying adult is the sum of their entries. It is read on
-- every parent page (family home, payments, calendar, alerts): with the
-- amount in the index, the sum is an index-only scan of a few pages instead
-- of one heap page per entry (about 0.2 ms of the family home's statement
-- on the 100,000-children city, docs/performance.md). The name is kept, so
-- the plan test and the queries that order by date are unchanged.
--
-- Built CONCURRENTLY, outside a transaction: a live ledger keeps being read
-- and written meanwhile (in one transaction the DROP would queue every
-- parent page behind the build, and deadlock with a payment that read the
-- balance during it). Each step can be run again: an interrupted build
-- leaves an invalid index that the first DROP removes.
DROP INDEX CONCURRENTLY IF EXISTS ledger_adult_date_amount;
CREATE INDEX CONCURRENTLY ledger_adult_date_amount ON ledger_entries (installation_id, adult_id, entry_date DESC, id DESC)
    INCLUDE (amount_cents);
DROP INDEX CONCURRENTLY IF EXISTS ledger_adult_date;
ALTER INDEX ledger_adult_date_amount RENAME TO ledger_adult_date;
-- An index-only scan reads the heap for the pages not marked all-visible
-- since the last vacuum. The ledger only grows, and by default autovacuum
-- visits an insert-only table after 20% new rows: on a 5 million entries
-- ledger, weeks of a city's charges. After 1% the recent entries are
-- visible to the index within a day or so, and such a vacuum is cheap.
ALTER TABLE ledger_entries SET (autovacuum_vacuum_insert_scale_factor = 0.01);

-- +goose Down
ALTER TABLE ledger_entries RESET (autovacuum_vacuum_insert_scale_factor);
DROP INDEX CONCURRENTLY IF EXISTS ledger_adult_date_plain;
CREATE INDEX CONCURRENTLY ledger_adult_date_plain ON ledger_entries (installation_id, adult_id, entry_date DESC, id DESC);
DROP INDEX CONCURRENTLY IF EXISTS ledger_adult_date;
ALTER INDEX ledger_adult_date_plain RENAME TO ledger_adult_date;
