-- +goose Up
-- Online enrolment in the services (issue 18, "Iscrizioni"): the office
-- opens a window per service and school year; a guardian sends one request
-- per child; the office accepts it (the enrollment is made in the same
-- transaction) or rejects it with a reason the family reads.

-- debts: what a negative balance of the requesting adult does to the
-- request: nothing, blocks it, or needs the repayment plan accepted.
-- questions: [{"kind": "yesno"|"text", "text": "..."}]; documents: ["..."].
CREATE TABLE enrolment_windows (
    installation_id bigint NOT NULL REFERENCES installations (id),
    id              bigint GENERATED ALWAYS AS IDENTITY,
    service_id      bigint NOT NULL,
    school_year     int NOT NULL,
    title           text NOT NULL CHECK (length(title) BETWEEN 1 AND 120),
    opens_at        timestamptz NOT NULL,
    closes_at       timestamptz NOT NULL,
    starts_on       date NOT NULL,          -- the period of the enrollments it makes
    ends_on         date NOT NULL,
    debts           text NOT NULL DEFAULT 'ignore' CHECK (debts IN ('ignore', 'block', 'plan')),
    questions       jsonb NOT NULL DEFAULT '[]',
    documents       jsonb NOT NULL DEFAULT '[]',
    created_by      bigint,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (installation_id, id),
    CHECK (opens_at < closes_at),
    CHECK (starts_on <= ends_on),
    FOREIGN KEY (installation_id, service_id) REFERENCES services (installation_id, id)
);

-- The schools a window serves; classes empty: every class of the school.
CREATE TABLE enrolment_window_schools (
    installation_id bigint NOT NULL,
    window_id       bigint NOT NULL,
    school_id       bigint NOT NULL,
    classes         text[] NOT NULL DEFAULT '{}',
    PRIMARY KEY (installation_id, window_id, school_id),
    FOREIGN KEY (installation_id, window_id) REFERENCES enrolment_windows (installation_id, id) ON DELETE CASCADE,
    FOREIGN KEY (installation_id, school_id) REFERENCES schools (installation_id, id)
);

-- A form saved but not sent: one per adult and window, kept server-side so
-- it survives a closed browser; deleted when the request is sent.
CREATE TABLE enrolment_drafts (
    installation_id bigint NOT NULL,
    window_id       bigint NOT NULL,
    adult_id        bigint NOT NULL,
    form            jsonb NOT NULL,
    saved_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (installation_id, window_id, adult_id),
    FOREIGN KEY (installation_id, window_id) REFERENCES enrolment_windows (installation_id, id) ON DELETE CASCADE,
    FOREIGN KEY (installation_id, adult_id) REFERENCES adults (installation_id, id)
);

-- A request sent. child_id is NULL for a child not yet in the registry
-- until the office accepts it; fiscal_code is always set, so one request
-- per child and window (the window has one service) is a unique index; a
-- rejected request does not count, so the family may send a corrected one.
CREATE TABLE enrolment_requests (
    installation_id bigint NOT NULL,
    id              bigint GENERATED ALWAYS AS IDENTITY,
    window_id       bigint NOT NULL,
    adult_id        bigint NOT NULL,         -- the requesting guardian
    child_id        bigint,
    fiscal_code     text NOT NULL CHECK (fiscal_code ~ '^[A-Z0-9]{16}$'),
    first_name      text NOT NULL,
    last_name       text NOT NULL,
    birth_date      date NOT NULL,
    school_id       bigint NOT NULL,
    class_name      text NOT NULL DEFAULT '',
    answers         jsonb NOT NULL DEFAULT '[]',  -- [{"question": "...", "answer": "..."}]
    documents_ack   boolean NOT NULL DEFAULT false, -- the family will hand in the documents asked for
    plan_accepted   boolean NOT NULL DEFAULT false, -- the repayment plan of the debts
    late            boolean NOT NULL DEFAULT false, -- entered by the office after the window closed
    entered_by      bigint NOT NULL,         -- the account: the parent or the clerk
    by_office       boolean NOT NULL DEFAULT false,
    submitted_at    timestamptz NOT NULL DEFAULT now(),
    status          text NOT NULL DEFAULT 'submitted' CHECK (status IN ('submitted', 'accepted', 'rejected')),
    decided_by      bigint,
    decided_at      timestamptz,
    reason          text NOT NULL DEFAULT '',
    enrollment_id   bigint,
    PRIMARY KEY (installation_id, id),
    CHECK (status <> 'rejected' OR reason <> ''),
    CHECK (status <> 'accepted' OR enrollment_id IS NOT NULL),
    FOREIGN KEY (installation_id, window_id) REFERENCES enrolment_windows (installation_id, id),
    FOREIGN KEY (installation_id, adult_id) REFERENCES adults (installation_id, id),
    FOREIGN KEY (installation_id, child_id) REFERENCES children (installation_id, id),
    FOREIGN KEY (installation_id, school_id) REFERENCES schools (installation_id, id),
    FOREIGN KEY (installation_id, enrollment_id) REFERENCES enrollments (installation_id, id)
);
CREATE UNIQUE INDEX enrolment_requests_one_per_child ON enrolment_requests (installation_id, window_id, fiscal_code)
    WHERE status <> 'rejected';
CREATE INDEX enrolment_requests_adult ON enrolment_requests (installation_id, adult_id);

-- +goose Down
DROP TABLE enrolment_requests;
DROP TABLE enrolment_drafts;
DROP TABLE enrolment_window_schools;
DROP TABLE enrolment_windows;
