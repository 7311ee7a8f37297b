-- +goose Up
-- Self-registration and delivery of credentials (issue "Self-registration").
-- River's own tables (river_job, river_leader, ...) are not here: they are
-- created by River's migrator (rivermigrate) right after goose, in
-- db.Store.Migrate, so they always match the River version in go.mod.

-- One account per codice fiscale and installation: the CF the account was
-- registered (and linked) with. Two people racing to register the same CF
-- cannot both win.
CREATE UNIQUE INDEX accounts_linked_fiscal_code ON accounts (installation_id, linked_fiscal_code)
    WHERE linked_fiscal_code IS NOT NULL;

-- Record of the messages sent (or attempted) to an account, for staff.
-- Never a secret: no password, no message body.
CREATE TABLE messages (
    installation_id bigint NOT NULL REFERENCES installations (id),
    id              bigint GENERATED ALWAYS AS IDENTITY,
    account_id      bigint NOT NULL,
    job_id          bigint,                    -- the River job that sent it
    attempt         int NOT NULL DEFAULT 1,
    kind            text NOT NULL,             -- registration, ...
    channel         text NOT NULL CHECK (channel IN ('email', 'sms')),
    recipient       text NOT NULL,             -- the address or number used
    outcome         text NOT NULL CHECK (outcome IN ('sent', 'failed')),
    error           text NOT NULL DEFAULT '',  -- short reason of a failure
    temp_password   boolean NOT NULL DEFAULT false, -- it carried a generated password (never stored)
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (installation_id, id),
    FOREIGN KEY (installation_id, account_id) REFERENCES accounts (installation_id, id) ON DELETE CASCADE
);
CREATE INDEX messages_account ON messages (installation_id, account_id, created_at DESC);
CREATE INDEX messages_job ON messages (installation_id, job_id, channel) WHERE job_id IS NOT NULL;

-- Captcha solutions already used, so one solution cannot be replayed.
CREATE TABLE captcha_spent (
    key        text PRIMARY KEY,
    expires_at timestamptz NOT NULL
);
CREATE INDEX captcha_spent_expires ON captcha_spent (expires_at);

-- +goose Down
DROP TABLE captcha_spent, messages;
DROP INDEX accounts_linked_fiscal_code;
