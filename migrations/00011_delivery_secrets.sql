-- +goose Up
-- The secret a delivery job sends (a generated or temporary password, or a
-- one-time link's token) is made once per job and kept here sealed
-- (AES-256-GCM under a key derived from GENITORI_SECRET_KEY), so that a retry
-- sends the same secret on the channel that has not gone yet instead of a new
-- one that would void what the other channel delivered. The row is deleted
-- once every channel has sent it, or it stops working (used, replaced,
-- expired), or its job ends. Never in clear: see docs/delivery.md.
CREATE TABLE delivery_secrets (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    installation_id bigint NOT NULL REFERENCES installations (id),
    account_id      bigint NOT NULL,
    job_id          bigint NOT NULL UNIQUE,         -- the River job that sends it
    kind            text NOT NULL CHECK (kind IN ('password', 'link')),
    sealed          text NOT NULL,
    -- what tells that it still works: the argon2id hash of the password
    -- (accounts.temp_password_hash), the hex SHA-256 of the link's token
    ref             text NOT NULL,
    expires_at      timestamptz NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (installation_id, account_id) REFERENCES accounts (installation_id, id) ON DELETE CASCADE
);
CREATE INDEX delivery_secrets_account ON delivery_secrets (installation_id, account_id);
CREATE INDEX delivery_secrets_expires ON delivery_secrets (expires_at);

-- +goose Down
DROP TABLE delivery_secrets;
