-- +goose Up
-- An enrolment window's version: a clerk's change is saved only over the
-- version the clerk's page showed (db.ErrWindowChanged), so two clerks
-- editing the same window at once no longer overwrite each other unseen.
-- A constant default: no table rewrite.
ALTER TABLE enrolment_windows ADD COLUMN version int NOT NULL DEFAULT 1;

-- +goose Down
ALTER TABLE enrolment_windows DROP COLUMN version;
