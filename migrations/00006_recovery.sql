-- +goose Up
-- "Problemi con l'accesso": account recovery (issue "account recovery that is
-- safe and never loses the user"). We never recover a password: the delivery
-- job makes a new temporary password (SMS) or a one-time link (e-mail) at
-- send time and stores only its hash here. Both expire after 24 hours and
-- work once; the permanent password keeps working until the user changes it.

-- The temporary password (argon2id) waiting to be used, and until when.
-- Also used by the self-registration's generated password.
ALTER TABLE accounts
    ADD COLUMN temp_password_hash       text,
    ADD COLUMN temp_password_expires_at timestamptz,
    ADD CONSTRAINT accounts_temp_password CHECK ((temp_password_hash IS NULL) = (temp_password_expires_at IS NULL));

-- One-time sign-in links sent by e-mail: only the SHA-256 of the token.
CREATE TABLE recovery_tokens (
    installation_id bigint NOT NULL REFERENCES installations (id),
    id              bigint GENERATED ALWAYS AS IDENTITY,
    account_id      bigint NOT NULL,
    token_hash      bytea NOT NULL,
    job_id          bigint,                     -- the River job that made it
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    used_at         timestamptz,
    PRIMARY KEY (installation_id, id),
    FOREIGN KEY (installation_id, account_id) REFERENCES accounts (installation_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX recovery_tokens_hash ON recovery_tokens (installation_id, token_hash);
CREATE INDEX recovery_tokens_account ON recovery_tokens (installation_id, account_id) WHERE used_at IS NULL;

-- +goose Down
DROP TABLE recovery_tokens;
ALTER TABLE accounts DROP CONSTRAINT accounts_temp_password,
    DROP COLUMN temp_password_expires_at, DROP COLUMN temp_password_hash;
