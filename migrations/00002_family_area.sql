-- +goose Up
-- The family area: attendance calendar, day details, charges per day and
-- payments. Every new key leads with installation_id.

-- Who recorded an attendance, as parents see it: a snapshot taken when the
-- row is written ("Registro di classe 3ª B", "Ufficio Servizi Scolastici"),
-- so renaming an account never rewrites history. Empty: fall back to the
-- account of recorded_by.
ALTER TABLE attendance ADD COLUMN recorded_by_name text NOT NULL DEFAULT '';

-- How an enrollment is charged: for every day attended (a meal eaten, a
-- morning of pre-scuola) or once a month (a bus pass).
ALTER TABLE enrollments ADD COLUMN billing text NOT NULL DEFAULT 'daily'
    CHECK (billing IN ('daily', 'monthly'));

-- Top-up channels are a closed list, so the portal can name them.
ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_channel
    CHECK (channel IN ('', 'pagoPA', 'contanti', 'POS', 'bonifico'));

-- The charges of a child's service, by the day they come from: the month
-- totals of the calendar and the details of a day.
CREATE INDEX ledger_child_day ON ledger_entries (installation_id, child_id, service_id, attendance_day)
    WHERE attendance_day IS NOT NULL;

-- +goose Down
DROP INDEX ledger_child_day;
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_channel;
ALTER TABLE enrollments DROP COLUMN billing;
ALTER TABLE attendance DROP COLUMN recorded_by_name;
