-- +goose Up
-- Staff area (issue "Staff area in the same UI"): second factor for staff,
-- typo-tolerant search of the registry, reversals that happen once, and
-- ledger entries that are never rewritten.

-- The TOTP secret of a staff account (RFC 6238, 30 s, 6 digits, SHA-1 as
-- every authenticator app expects). secret is sealed with AES-256-GCM under
-- GENITORI_TOTP_KEY ("v1:..."); without that key it is kept as "v0:<base32>"
-- and sealed the next time it is used with a key configured (docs/configuration.md).
-- enrolled_at NULL: shown once at the first sign-in, not confirmed yet.
-- last_step: the last 30-second step accepted, so a code works only once.
CREATE TABLE staff_totp (
    installation_id bigint NOT NULL,
    account_id      bigint NOT NULL,
    secret          text NOT NULL,
    enrolled_at     timestamptz,
    last_step       bigint NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (installation_id, account_id),
    FOREIGN KEY (installation_id, account_id) REFERENCES accounts (installation_id, id) ON DELETE CASCADE
);

-- Search by name, surname or codice fiscale, typo-tolerant (pg_trgm, 00001):
-- one trigram index per table over the text the search box matches.
CREATE INDEX adults_search ON adults
    USING gin ((lower(last_name || ' ' || first_name || ' ' || fiscal_code)) gin_trgm_ops);
CREATE INDEX children_search ON children
    USING gin ((lower(last_name || ' ' || first_name || ' ' || fiscal_code)) gin_trgm_ops);

-- The class register of a school and service on a day: children by school
-- and class.
CREATE INDEX children_school_class ON children (installation_id, school_id, class_name, last_name, first_name);

-- An entry is reversed at most once (a double click, a replay, two clerks).
CREATE UNIQUE INDEX ledger_reversed_once ON ledger_entries (installation_id, reverses_id)
    WHERE reverses_id IS NOT NULL;

-- Ledger entries are never rewritten: a mistake is corrected by a reversal.
-- +goose StatementBegin
CREATE FUNCTION ledger_entries_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger entries are never modified: record a reversal instead'
        USING ERRCODE = 'restrict_violation';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER ledger_entries_immutable BEFORE UPDATE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION ledger_entries_immutable();

-- The audit viewer filters by action within an installation, newest first.
CREATE INDEX audit_installation_action_at ON audit_log (installation_id, action, at DESC);

-- +goose Down
DROP INDEX audit_installation_action_at;
DROP TRIGGER ledger_entries_immutable ON ledger_entries;
DROP FUNCTION ledger_entries_immutable();
DROP INDEX ledger_reversed_once;
DROP INDEX children_school_class;
DROP INDEX children_search;
DROP INDEX adults_search;
DROP TABLE staff_totp;
