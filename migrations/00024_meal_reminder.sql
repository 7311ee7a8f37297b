-- +goose Up
-- The evening-before-cut-off reminder of a meal not yet booked (explicit
-- booking mode, docs/alerts.md): the adult's choice and the Comune's
-- default, off until turned on like the other alerts.
ALTER TABLE alert_defaults ADD COLUMN reminder_enabled boolean NOT NULL DEFAULT false;
ALTER TABLE alert_prefs ADD COLUMN reminder_enabled boolean NOT NULL DEFAULT false;

-- One reminder per adult and meal day: the row is written in the
-- transaction that enqueues the reminder's messages, so a rerun of the
-- scan finds it and sends nothing twice.
CREATE TABLE meal_reminders (
    installation_id bigint NOT NULL,
    adult_id        bigint NOT NULL,
    day             date NOT NULL,
    children        int NOT NULL,          -- children without a decision when it was enqueued
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (installation_id, adult_id, day),
    FOREIGN KEY (installation_id, adult_id) REFERENCES adults (installation_id, id) ON DELETE CASCADE
);

-- +goose Down
DROP TABLE meal_reminders;
ALTER TABLE alert_prefs DROP COLUMN reminder_enabled;
ALTER TABLE alert_defaults DROP COLUMN reminder_enabled;
