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
    code_hash       text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    used_at         timestamptz,
    PRIMARY KEY (installation_id, account_id, slot),
    FOREIGN KEY (installation_id, account_id) REFERENCES accounts (installation_id, id) ON DELETE CASCADE
);

-- Corrections are new entries (reversals, refunds, adjustments): DELETE and
-- TRUNCATE are refused like UPDATE (00007), for every role.
CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION ledger_entries_immutable();
CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_entries_immutable();

-- +goose Down
DROP TRIGGER ledger_entries_no_truncate ON ledger_entries;
DROP TRIGGER ledger_entries_no_delete ON ledger_entries;
DROP TABLE staff_recovery_codes;
