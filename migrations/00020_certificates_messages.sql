-- +goose Up
-- The 730 certificate of the school-service fees paid (docs/certificate-730.md)
-- and the messages from the Comune to families (docs/messages.md).

-- The Comune's data a certificate carries besides installations.name and
-- controller_address: its codice fiscale and who signs for the office.
CREATE TABLE certificate_settings (
    installation_id   bigint PRIMARY KEY REFERENCES installations (id),
    comune_fiscal_code text NOT NULL DEFAULT '' CHECK (comune_fiscal_code ~ '^([0-9]{11})?$'),
    signatory         text NOT NULL DEFAULT ''   -- "La responsabile del servizio, dott.ssa ..."
);

-- An office run that issues every certificate of a year (a River job).
CREATE TABLE certificate_runs (
    installation_id bigint NOT NULL REFERENCES installations (id),
    id              bigint GENERATED ALWAYS AS IDENTITY,
    year            int NOT NULL CHECK (year BETWEEN 2020 AND 2100),
    status          text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done')),
    created_by      bigint,
    created_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz,
    PRIMARY KEY (installation_id, id)
);

-- One row per version of a certificate: a paying adult's payments of one
-- calendar year. The content is the document as issued (names, codici
-- fiscali, lines), so that it can be shown again exactly; a new version is
-- issued only when the content changes, with the reason.
CREATE TABLE certificates (
    installation_id bigint NOT NULL,
    id              bigint GENERATED ALWAYS AS IDENTITY,
    adult_id        bigint NOT NULL,
    year            int NOT NULL,
    number          int NOT NULL,     -- per installation and year, kept by every version
    version         int NOT NULL CHECK (version >= 1),
    total_cents     bigint NOT NULL,
    content         jsonb NOT NULL,
    reason          text NOT NULL DEFAULT '',  -- why this version replaces the previous one
    code            text NOT NULL UNIQUE,      -- public verification code (random, not a secret)
    run_id          bigint,
    issued_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (installation_id, id),
    UNIQUE (installation_id, adult_id, year, version),
    UNIQUE (installation_id, year, number, version),
    FOREIGN KEY (installation_id, adult_id) REFERENCES adults (installation_id, id),
    FOREIGN KEY (installation_id, run_id) REFERENCES certificate_runs (installation_id, id)
);

-- The adults a run covers, fixed when it starts; certificate_id is set as
-- each is issued, so a run that stops resumes where it was.
CREATE TABLE certificate_run_items (
    installation_id bigint NOT NULL,
    run_id          bigint NOT NULL,
    adult_id        bigint NOT NULL,
    certificate_id  bigint,
    PRIMARY KEY (installation_id, run_id, adult_id),
    FOREIGN KEY (installation_id, run_id) REFERENCES certificate_runs (installation_id, id),
    FOREIGN KEY (installation_id, adult_id) REFERENCES adults (installation_id, id),
    FOREIGN KEY (installation_id, certificate_id) REFERENCES certificates (installation_id, id)
);

-- A message from the Comune to a group of families.
CREATE TABLE broadcasts (
    installation_id bigint NOT NULL REFERENCES installations (id),
    id              bigint GENERATED ALWAYS AS IDENTITY,
    title           text NOT NULL CHECK (length(title) BETWEEN 1 AND 120),
    body            text NOT NULL CHECK (length(body) BETWEEN 1 AND 4000),
    link            text NOT NULL DEFAULT '' CHECK (link = '' OR link ~ '^https?://'),
    audience        text NOT NULL CHECK (audience IN ('all', 'school', 'class', 'service', 'debt')),
    school_id       bigint,
    class_name      text NOT NULL DEFAULT '',
    service_id      bigint,
    channels        text[] NOT NULL DEFAULT '{}',  -- besides the portal: email, sms, io
    status          text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sending', 'done')),
    recipients      int NOT NULL DEFAULT 0,
    created_by      bigint,
    created_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz,
    PRIMARY KEY (installation_id, id),
    FOREIGN KEY (installation_id, school_id) REFERENCES schools (installation_id, id),
    FOREIGN KEY (installation_id, service_id) REFERENCES services (installation_id, id)
);

-- Who a message is for (an adult of the registry) and when they read it in
-- the portal.
CREATE TABLE broadcast_recipients (
    installation_id bigint NOT NULL,
    broadcast_id    bigint NOT NULL,
    adult_id        bigint NOT NULL,
    read_at         timestamptz,
    PRIMARY KEY (installation_id, broadcast_id, adult_id),
    FOREIGN KEY (installation_id, broadcast_id) REFERENCES broadcasts (installation_id, id),
    FOREIGN KEY (installation_id, adult_id) REFERENCES adults (installation_id, id)
);
CREATE INDEX broadcast_recipients_adult ON broadcast_recipients (installation_id, adult_id, broadcast_id DESC);

-- One row per recipient and channel: the durable record of the delivery.
-- A retried job sends only the rows not 'sent'.
CREATE TABLE broadcast_deliveries (
    installation_id bigint NOT NULL,
    broadcast_id    bigint NOT NULL,
    adult_id        bigint NOT NULL,
    channel         text NOT NULL CHECK (channel IN ('email', 'sms', 'io')),
    recipient       text NOT NULL,   -- address, number, or codice fiscale for App IO
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed', 'unavailable')),
    attempts        int NOT NULL DEFAULT 0,
    error           text NOT NULL DEFAULT '',
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (installation_id, broadcast_id, adult_id, channel),
    FOREIGN KEY (installation_id, broadcast_id, adult_id) REFERENCES broadcast_recipients (installation_id, broadcast_id, adult_id)
);
-- the job's next slice: the pending rows only, in key order
CREATE INDEX broadcast_deliveries_pending ON broadcast_deliveries (installation_id, broadcast_id, adult_id, channel)
    WHERE status = 'pending';

-- +goose Down
DROP TABLE broadcast_deliveries, broadcast_recipients, broadcasts,
    certificate_run_items, certificates, certificate_runs, certificate_settings;
