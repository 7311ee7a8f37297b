-- +goose Up
-- Alerts that parents set (low balance, debt) and the App IO channel
-- (docs/alerts.md, docs/app-io.md).

-- The record of messages (00003) gains the App IO channel, and "refused":
-- App IO said the citizen does not accept the Comune's messages (not retried).
ALTER TABLE messages DROP CONSTRAINT messages_channel_check;
ALTER TABLE messages ADD CONSTRAINT messages_channel_check CHECK (channel IN ('email', 'sms', 'appio'));
ALTER TABLE messages DROP CONSTRAINT messages_outcome_check;
ALTER TABLE messages ADD CONSTRAINT messages_outcome_check CHECK (outcome IN ('sent', 'failed', 'refused'));

-- One IO service per Comune: its subscription key, sealed with
-- GENITORI_SECRET_KEY ("v1:..."; "v0:" = in clear, development without the
-- setting). key_hint is the last 4 characters, for staff to recognise it.
CREATE TABLE installation_appio (
    installation_id bigint PRIMARY KEY REFERENCES installations (id),
    key_sealed      text NOT NULL,
    key_hint        text NOT NULL DEFAULT '',
    updated_by      bigint,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- The alert settings: the Comune's defaults (alert_defaults; no row: the
-- column defaults below) and each adult's own choice (alert_prefs; no
-- row: the Comune's defaults). Thresholds in cents or meals; quiet hours in minutes after
-- midnight, Europe/Rome; start = end means none.
CREATE TABLE alert_defaults (
    installation_id  bigint PRIMARY KEY REFERENCES installations (id),
    low_enabled      boolean NOT NULL DEFAULT false, -- off until the Comune or the parent turns them on
    low_mode         text NOT NULL DEFAULT 'amount' CHECK (low_mode IN ('amount', 'meals')),
    low_amount_cents bigint NOT NULL DEFAULT 1000 CHECK (low_amount_cents BETWEEN 0 AND 100000000),
    low_meals        int NOT NULL DEFAULT 5 CHECK (low_meals BETWEEN 1 AND 100),
    debt_enabled     boolean NOT NULL DEFAULT false,
    via_email        boolean NOT NULL DEFAULT true,
    via_sms          boolean NOT NULL DEFAULT false,
    via_appio        boolean NOT NULL DEFAULT false,
    quiet_start      smallint NOT NULL DEFAULT 1260 CHECK (quiet_start BETWEEN 0 AND 1439),
    quiet_end        smallint NOT NULL DEFAULT 480 CHECK (quiet_end BETWEEN 0 AND 1439),
    updated_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE alert_prefs (
    installation_id  bigint NOT NULL,
    adult_id         bigint NOT NULL,
    low_enabled      boolean NOT NULL,
    low_mode         text NOT NULL CHECK (low_mode IN ('amount', 'meals')),
    low_amount_cents bigint NOT NULL CHECK (low_amount_cents BETWEEN 0 AND 100000000),
    low_meals        int NOT NULL CHECK (low_meals BETWEEN 1 AND 100),
    debt_enabled     boolean NOT NULL,
    via_email        boolean NOT NULL,
    via_sms          boolean NOT NULL,
    via_appio        boolean NOT NULL,
    quiet_start      smallint NOT NULL CHECK (quiet_start BETWEEN 0 AND 1439),
    quiet_end        smallint NOT NULL CHECK (quiet_end BETWEEN 0 AND 1439),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (installation_id, adult_id),
    FOREIGN KEY (installation_id, adult_id) REFERENCES adults (installation_id, id) ON DELETE CASCADE
);

-- One state per adult and kind of alert: armed (fired = false) or fired.
-- A crossing below the threshold fires it once (and enqueues the
-- messages in the same transaction); it is re-armed only when the balance
-- is back at or above the threshold. generation counts the firings, so a
-- message job of an earlier firing recognises it is stale.
CREATE TABLE alert_states (
    installation_id bigint NOT NULL,
    adult_id        bigint NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('low_balance', 'debt')),
    fired           boolean NOT NULL DEFAULT false,
    generation      int NOT NULL DEFAULT 0,
    balance_cents   bigint NOT NULL DEFAULT 0,   -- at the last change of state
    threshold_cents bigint NOT NULL DEFAULT 0,
    changed_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (installation_id, adult_id, kind),
    FOREIGN KEY (installation_id, adult_id) REFERENCES adults (installation_id, id) ON DELETE CASCADE
);

-- How far the frequent scan has read ledger_entries (one row). It starts
-- at the entries already there: those are the daily scan's.
CREATE TABLE alert_scan_mark (
    id            int PRIMARY KEY CHECK (id = 1),
    last_entry_id bigint NOT NULL DEFAULT 0
);
INSERT INTO alert_scan_mark (id, last_entry_id) SELECT 1, coalesce(max(id), 0) FROM ledger_entries;

-- The local App IO emulator (GENITORI_DEMO_APPIO=true only): what each
-- codice fiscale received, and the switches tests and demos set.
CREATE TABLE appio_emulator_profiles (
    fiscal_code text PRIMARY KEY,
    state       text NOT NULL DEFAULT 'allowed' CHECK (state IN ('allowed', 'blocked', 'absent')),
    fail_next   int NOT NULL DEFAULT 0 CHECK (fail_next >= 0), -- the next N calls for it answer 500
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE appio_emulator_messages (
    id          text PRIMARY KEY,
    fiscal_code text NOT NULL,
    subject     text NOT NULL,
    markdown    text NOT NULL,
    key_hint    text NOT NULL,        -- last 4 characters of the service key used
    status      text NOT NULL CHECK (status IN ('PROCESSED', 'REJECTED')), -- REJECTED: the citizen does not allow it
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX appio_emulator_messages_cf ON appio_emulator_messages (fiscal_code, created_at DESC);

-- +goose Down
DROP TABLE appio_emulator_messages, appio_emulator_profiles, alert_scan_mark, alert_states, alert_prefs, alert_defaults, installation_appio;
DELETE FROM messages WHERE channel = 'appio' OR outcome = 'refused';
ALTER TABLE messages DROP CONSTRAINT messages_outcome_check;
ALTER TABLE messages ADD CONSTRAINT messages_outcome_check CHECK (outcome IN ('sent', 'failed'));
ALTER TABLE messages DROP CONSTRAINT messages_channel_check;
ALTER TABLE messages ADD CONSTRAINT messages_channel_check CHECK (channel IN ('email', 'sms'));
