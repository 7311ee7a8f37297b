-- +goose Up
-- The office runs itself (issue "The office's whole year"): one-time
-- recovery codes for the staff second factor, and ledger entries that the
-- database refuses to delete as it already refuses to update them.

-- Ten codes per account, each usable once in place of the authenticator
-- app; only their argon2id hashes are kept. A new set replaces the old one.
CREATE TABLE staff_recovery_codes (
    installation_id bigint NOT NULL,
    account_id      bigint NOT NULL,
    slot            smallint NOT NULL CHECK (slot BETWEEN 1 AND 10),
    selector        text NOT NULL,    -- the code's first two characters: which hash to check
    code_hash       text NOT NULL,    -- argon2id of the whole code
    created_at      timestamptz NOT NULL DEFAULT now(),
    used_at         timestamptz,
    PRIMARY KEY (installation_id, account_id, slot),
    UNIQUE (installation_id, account_id, selector),
    FOREIGN KEY (installation_id, account_id) REFERENCES accounts (installation_id, id) ON DELETE CASCADE
);

-- Corrections are new entries (reversals, refunds, adjustments): DELETE and
-- TRUNCATE are refused like UPDATE (00007), for every role.
CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION ledger_entries_immutable();
CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_entries_immutable();

-- Enrollments change and end from a date (issue "The office's whole year").
-- version: the form's copy, so a second clerk's change on a stale page is
-- refused instead of overwriting the first. previous_id: the enrollment this
-- one continues with new terms. An enrollment ended before its first day
-- (withdrawn before it started) has ends_on = starts_on - 1: empty.
ALTER TABLE enrollments ADD COLUMN version int NOT NULL DEFAULT 1,
    ADD COLUMN previous_id bigint,
    ADD FOREIGN KEY (installation_id, previous_id) REFERENCES enrollments (installation_id, id);
ALTER TABLE enrollments DROP CONSTRAINT enrollments_check;
ALTER TABLE enrollments ADD CONSTRAINT enrollments_period CHECK (starts_on <= ends_on + 1);

-- The history of an enrollment: what changed, from when, why, by whom, and
-- what it did to the ledger.
CREATE TABLE enrollment_events (
    installation_id bigint NOT NULL,
    id              bigint GENERATED ALWAYS AS IDENTITY,
    enrollment_id   bigint NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('created', 'ended', 'changed')),
    effective_on    date NOT NULL,
    reason          text NOT NULL DEFAULT '',
    detail          jsonb NOT NULL DEFAULT '{}',
    by_account      bigint,
    at              timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (installation_id, id),
    FOREIGN KEY (installation_id, enrollment_id) REFERENCES enrollments (installation_id, id)
);
CREATE INDEX enrollment_events_enrollment ON enrollment_events (installation_id, enrollment_id, at);

-- Schools, services and diets are retired, never deleted while anything
-- refers to them: retired ones stay in the history and leave the choices.
ALTER TABLE schools ADD COLUMN retired_at timestamptz;
ALTER TABLE services ADD COLUMN retired_at timestamptz;
ALTER TABLE diets ADD COLUMN retired_at timestamptz;

-- A paying adult asks for the credit back (bank transfer to an IBAN) or
-- moved to another paying adult of their children; the office decides.
-- One open request per adult.
CREATE TABLE credit_requests (
    installation_id bigint NOT NULL,
    id              bigint GENERATED ALWAYS AS IDENTITY,
    adult_id        bigint NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('refund', 'transfer')),
    amount_cents    bigint NOT NULL CHECK (amount_cents > 0),
    iban            text NOT NULL DEFAULT '',
    holder          text NOT NULL DEFAULT '',
    to_adult_id     bigint,
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected', 'withdrawn')),
    requested_by    bigint NOT NULL,
    requested_at    timestamptz NOT NULL DEFAULT now(),
    decided_by      bigint,
    decided_at      timestamptz,
    note            text NOT NULL DEFAULT '',
    PRIMARY KEY (installation_id, id),
    FOREIGN KEY (installation_id, adult_id) REFERENCES adults (installation_id, id),
    FOREIGN KEY (installation_id, to_adult_id) REFERENCES adults (installation_id, id),
    CHECK ((kind = 'refund' AND iban <> '' AND holder <> '' AND to_adult_id IS NULL)
        OR (kind = 'transfer' AND to_adult_id IS NOT NULL AND to_adult_id <> adult_id AND iban = ''))
);
CREATE UNIQUE INDEX credit_requests_one_open ON credit_requests (installation_id, adult_id) WHERE status = 'pending';
CREATE INDEX credit_requests_status ON credit_requests (installation_id, status, requested_at);

-- The year-end rollover: how each school ends (its last numbered class, or
-- the age its children leave at) and the next level proposed to those who
-- leave; a run per new school year, done one family at a time (resumable).
ALTER TABLE schools ADD COLUMN last_class smallint CHECK (last_class BETWEEN 1 AND 8),
    ADD COLUMN exit_age smallint CHECK (exit_age BETWEEN 1 AND 18),
    ADD COLUMN next_school_id bigint,
    ADD FOREIGN KEY (installation_id, next_school_id) REFERENCES schools (installation_id, id);
CREATE TABLE rollover_runs (
    installation_id bigint NOT NULL REFERENCES installations (id),
    id              bigint GENERATED ALWAYS AS IDENTITY,
    from_year       int NOT NULL,
    to_year         int NOT NULL CHECK (to_year = from_year + 1),
    renew           boolean NOT NULL,
    starts_on       date NOT NULL,
    ends_on         date NOT NULL CHECK (starts_on <= ends_on),
    started_by      bigint,
    started_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz,
    PRIMARY KEY (installation_id, id),
    UNIQUE (installation_id, to_year)
);
CREATE TABLE rollover_families (
    installation_id bigint NOT NULL,
    run_id          bigint NOT NULL,
    family          text NOT NULL,   -- 'a<paying adult id>', or 'c<child id>' for a child without one
    done_at         timestamptz NOT NULL DEFAULT now(),
    detail          jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (installation_id, run_id, family),
    FOREIGN KEY (installation_id, run_id) REFERENCES rollover_runs (installation_id, id)
);

-- +goose Down
DROP TABLE rollover_families;
DROP TABLE rollover_runs;
ALTER TABLE schools DROP COLUMN next_school_id, DROP COLUMN exit_age, DROP COLUMN last_class;
DROP TABLE credit_requests;
ALTER TABLE diets DROP COLUMN retired_at;
ALTER TABLE services DROP COLUMN retired_at;
ALTER TABLE schools DROP COLUMN retired_at;
DROP TABLE enrollment_events;
ALTER TABLE enrollments DROP CONSTRAINT enrollments_period;
ALTER TABLE enrollments ADD CONSTRAINT enrollments_check CHECK (starts_on <= ends_on);
ALTER TABLE enrollments DROP COLUMN previous_id, DROP COLUMN version;
DROP TRIGGER ledger_entries_no_truncate ON ledger_entries;
DROP TRIGGER ledger_entries_no_delete ON ledger_entries;
DROP TABLE staff_recovery_codes;
