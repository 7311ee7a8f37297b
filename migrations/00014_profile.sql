-- +goose Up
-- "Il mio profilo": a change of e-mail or mobile waits for proof that the
-- parent holds the new address (a one-time link by e-mail, a code by SMS),
-- made and hashed by the delivery job at send time (never stored in clear).
CREATE TABLE contact_changes (
    installation_id bigint NOT NULL,
    id              bigint GENERATED ALWAYS AS IDENTITY,
    account_id      bigint NOT NULL,
    channel         text NOT NULL CHECK (channel IN ('email', 'sms')),
    new_value       text NOT NULL CHECK (length(new_value) BETWEEN 3 AND 254),
    token_hash      bytea,            -- e-mail: SHA-256 of the link token
    code_hash       text,             -- SMS: argon2id of the code
    attempts        integer NOT NULL DEFAULT 0,  -- wrong codes typed
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    used_at         timestamptz,
    PRIMARY KEY (installation_id, id),
    FOREIGN KEY (installation_id, account_id) REFERENCES accounts (installation_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX contact_changes_token ON contact_changes (token_hash) WHERE token_hash IS NOT NULL;
CREATE INDEX contact_changes_account ON contact_changes (installation_id, account_id, created_at DESC);

-- A parent asks to close the account; the office confirms in the staff area.
-- Closing removes the login (credentials, link to the registry, sessions);
-- the registry data stay.
CREATE TABLE account_closures (
    installation_id bigint NOT NULL,
    id              bigint GENERATED ALWAYS AS IDENTITY,
    account_id      bigint NOT NULL,
    reason          text NOT NULL DEFAULT '' CHECK (length(reason) <= 1000),
    requested_at    timestamptz NOT NULL DEFAULT now(),
    decided_at      timestamptz,
    decided_by      bigint,
    PRIMARY KEY (installation_id, id),
    FOREIGN KEY (installation_id, account_id) REFERENCES accounts (installation_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX account_closures_open ON account_closures (installation_id, account_id) WHERE decided_at IS NULL;
ALTER TABLE accounts ADD COLUMN closed_at timestamptz;

-- accounts.lang (00001) holds the language of registration, for messages;
-- once the holder chooses one (profile, or the switch while signed in) it
-- also decides the pages, on every device.
ALTER TABLE accounts ADD COLUMN lang_chosen boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE accounts DROP COLUMN lang_chosen;
ALTER TABLE accounts DROP COLUMN closed_at;
DROP TABLE account_closures;
DROP TABLE contact_changes;
