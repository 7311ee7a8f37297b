-- +goose Up
-- Every tenant-owned table leads with installation_id and references other
-- tenant rows through (installation_id, id), so a row can never point into
-- another Comune and the schema can be distributed by installation_id.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE installations (
    id                        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code                      text NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9][a-z0-9-]{1,39}$'),
    name                      text NOT NULL,                 -- "Comune di Esempio"
    region_label              text NOT NULL DEFAULT '',      -- slim header band, e.g. "Regione Lombardia"
    -- sign-in methods and options (docs/architecture.md#sign-in)
    login_local               boolean NOT NULL DEFAULT true,
    self_registration         boolean NOT NULL DEFAULT false,
    login_spid                boolean NOT NULL DEFAULT false,
    login_cie                 boolean NOT NULL DEFAULT false,
    login_cns                 boolean NOT NULL DEFAULT false,
    cst_mode                  boolean NOT NULL DEFAULT false,
    cst_login_url             text NOT NULL DEFAULT '',
    cst_registration_url      text NOT NULL DEFAULT '',
    cst_instructions          text NOT NULL DEFAULT '',
    password_min              int NOT NULL DEFAULT 12,
    password_max              int NOT NULL DEFAULT 128,
    password_required         boolean NOT NULL DEFAULT true,
    captcha                   boolean NOT NULL DEFAULT false,
    privacy_checkbox          boolean NOT NULL DEFAULT true,
    delivery_channel          text NOT NULL DEFAULT 'email' CHECK (delivery_channel IN ('email', 'sms', 'both')),
    email_required            boolean NOT NULL DEFAULT true,
    mobile_required           boolean NOT NULL DEFAULT false,
    lock_registry_contacts    boolean NOT NULL DEFAULT false,
    allow_unlinked_accounts   boolean NOT NULL DEFAULT false,
    -- the Comune (data controller) and the processor, for the privacy and accessibility pages
    controller_name           text NOT NULL DEFAULT '',
    controller_address        text NOT NULL DEFAULT '',
    controller_email          text NOT NULL DEFAULT '',
    controller_pec            text NOT NULL DEFAULT '',
    controller_phone          text NOT NULL DEFAULT '',
    controller_website        text NOT NULL DEFAULT '',
    dpo_email                 text NOT NULL DEFAULT '',
    processor_name            text NOT NULL DEFAULT '',
    processor_address         text NOT NULL DEFAULT '',
    processor_email           text NOT NULL DEFAULT '',
    office_name               text NOT NULL DEFAULT '',      -- "Ufficio Servizi Scolastici"
    office_hours              text NOT NULL DEFAULT '',
    ipa_code                  text NOT NULL DEFAULT '',
    accessibility_feedback_email text NOT NULL DEFAULT '',
    accessibility_reviewed_on date,
    created_at                timestamptz NOT NULL DEFAULT now(),
    CHECK (password_min >= 8 AND password_max <= 256 AND password_min <= password_max),
    CHECK (NOT cst_mode OR cst_login_url <> '')
);

CREATE TABLE adults (
    installation_id bigint NOT NULL REFERENCES installations (id),
    id              bigint GENERATED ALWAYS AS IDENTITY,
    fiscal_code     text NOT NULL CHECK (fiscal_code ~ '^[A-Z0-9]{16}$'),
    first_name      text NOT NULL,
    last_name       text NOT NULL,
    email           text NOT NULL DEFAULT '',
    mobile          text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (installation_id, id),
    UNIQUE (installation_id, fiscal_code)
);

CREATE TABLE schools (
    installation_id bigint NOT NULL REFERENCES installations (id),
    id              bigint GENERATED ALWAYS AS IDENTITY,
    name            text NOT NULL,
    PRIMARY KEY (installation_id, id)
);

CREATE TABLE children (
    installation_id bigint NOT NULL,
    id              bigint GENERATED ALWAYS AS IDENTITY,
    fiscal_code     text NOT NULL CHECK (fiscal_code ~ '^[A-Z0-9]{16}$'),
    first_name      text NOT NULL,
    last_name       text NOT NULL,
    birth_date      date NOT NULL,
    school_id       bigint,
    class_name      text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (installation_id, id),
    UNIQUE (installation_id, fiscal_code),
    FOREIGN KEY (installation_id, school_id) REFERENCES schools (installation_id, id)
);

CREATE TABLE guardianships (
    installation_id bigint NOT NULL,
    child_id        bigint NOT NULL,
    adult_id        bigint NOT NULL,
    role            text NOT NULL CHECK (role IN ('payer', 'guardian')),
    PRIMARY KEY (installation_id, child_id, adult_id),
    FOREIGN KEY (installation_id, child_id) REFERENCES children (installation_id, id),
    FOREIGN KEY (installation_id, adult_id) REFERENCES adults (installation_id, id)
);
CREATE INDEX guardianships_adult ON guardianships (installation_id, adult_id, child_id);
-- one paying adult per child
CREATE UNIQUE INDEX guardianships_one_payer ON guardianships (installation_id, child_id) WHERE role = 'payer';

CREATE TABLE accounts (
    installation_id      bigint NOT NULL REFERENCES installations (id),
    id                   bigint GENERATED ALWAYS AS IDENTITY,
    username             text NOT NULL CHECK (length(username) BETWEEN 3 AND 64),
    password_hash        text,                         -- NULL: SPID/CIE/CNS-only account
    must_change_password boolean NOT NULL DEFAULT false,
    role                 text NOT NULL DEFAULT 'parent' CHECK (role IN ('parent', 'staff', 'admin')),
    adult_id             bigint,
    linked_fiscal_code   text,                         -- the adult's CF when the link was made
    display_name         text NOT NULL DEFAULT '',
    email                text NOT NULL DEFAULT '',
    mobile               text NOT NULL DEFAULT '',
    security_question    text NOT NULL DEFAULT '',
    security_answer_hash text,
    fit_tables           boolean NOT NULL DEFAULT false,
    lang                 text NOT NULL DEFAULT '',
    locked_at            timestamptz,
    created_at           timestamptz NOT NULL DEFAULT now(),
    password_changed_at  timestamptz,
    last_login_at        timestamptz,
    PRIMARY KEY (installation_id, id),
    FOREIGN KEY (installation_id, adult_id) REFERENCES adults (installation_id, id)
);
CREATE UNIQUE INDEX accounts_username ON accounts (installation_id, lower(username));
CREATE UNIQUE INDEX accounts_adult ON accounts (installation_id, adult_id) WHERE adult_id IS NOT NULL;

CREATE TABLE services (
    installation_id bigint NOT NULL REFERENCES installations (id),
    id              bigint GENERATED ALWAYS AS IDENTITY,
    kind            text NOT NULL CHECK (kind IN ('mensa', 'trasporto', 'pre-scuola', 'post-scuola', 'nido')),
    name            text NOT NULL,
    PRIMARY KEY (installation_id, id)
);

CREATE TABLE diets (
    installation_id bigint NOT NULL REFERENCES installations (id),
    id              bigint GENERATED ALWAYS AS IDENTITY,
    name            text NOT NULL,   -- only the restriction the kitchen needs: "Senza glutine"
    PRIMARY KEY (installation_id, id)
);

CREATE TABLE enrollments (
    installation_id bigint NOT NULL,
    id              bigint GENERATED ALWAYS AS IDENTITY,
    child_id        bigint NOT NULL,
    service_id      bigint NOT NULL,
    school_year     int NOT NULL,      -- the calendar year the school year starts in
    starts_on       date NOT NULL,
    ends_on         date NOT NULL,
    diet_id         bigint,
    tariff_name     text NOT NULL DEFAULT '',
    tariff_cents    bigint NOT NULL CHECK (tariff_cents >= 0),
    PRIMARY KEY (installation_id, id),
    CHECK (starts_on <= ends_on),
    FOREIGN KEY (installation_id, child_id) REFERENCES children (installation_id, id),
    FOREIGN KEY (installation_id, service_id) REFERENCES services (installation_id, id),
    FOREIGN KEY (installation_id, diet_id) REFERENCES diets (installation_id, id)
);
CREATE INDEX enrollments_child ON enrollments (installation_id, child_id, school_year);

CREATE TABLE closures (
    installation_id bigint NOT NULL REFERENCES installations (id),
    day             date NOT NULL,
    description     text NOT NULL,
    PRIMARY KEY (installation_id, day)
);

CREATE TABLE attendance (
    installation_id bigint NOT NULL,
    child_id        bigint NOT NULL,
    service_id      bigint NOT NULL,
    day             date NOT NULL,
    status          text NOT NULL CHECK (status IN ('present', 'absent', 'absence_notified', 'booked')),
    source          text NOT NULL CHECK (source IN ('staff', 'register', 'parent', 'default')),
    recorded_by     bigint,            -- account id, NULL for imports and defaults
    recorded_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (installation_id, child_id, service_id, day),
    FOREIGN KEY (installation_id, child_id) REFERENCES children (installation_id, id),
    FOREIGN KEY (installation_id, service_id) REFERENCES services (installation_id, id)
);

CREATE TABLE ledger_entries (
    installation_id bigint NOT NULL,
    id              bigint GENERATED ALWAYS AS IDENTITY,
    adult_id        bigint NOT NULL,   -- the paying adult whose balance this moves
    kind            text NOT NULL CHECK (kind IN ('topup', 'charge', 'refund', 'adjustment')),
    amount_cents    bigint NOT NULL,   -- signed: credit positive, debit negative
    entry_date      date NOT NULL,
    child_id        bigint,
    service_id      bigint,
    attendance_day  date,
    channel         text NOT NULL DEFAULT '',   -- top-ups: cash, pos, pagopa, ...
    receipt_ref     text NOT NULL DEFAULT '',
    reason          text NOT NULL DEFAULT '',
    reverses_id     bigint,
    created_by      bigint,
    created_at      timestamptz NOT NULL DEFAULT now(),
    idempotency_key text NOT NULL,
    PRIMARY KEY (installation_id, id),
    UNIQUE (installation_id, idempotency_key),
    FOREIGN KEY (installation_id, adult_id) REFERENCES adults (installation_id, id),
    FOREIGN KEY (installation_id, child_id) REFERENCES children (installation_id, id),
    FOREIGN KEY (installation_id, service_id) REFERENCES services (installation_id, id),
    FOREIGN KEY (installation_id, reverses_id) REFERENCES ledger_entries (installation_id, id)
);
CREATE INDEX ledger_adult_date ON ledger_entries (installation_id, adult_id, entry_date DESC, id DESC);

-- Server-side sessions. The cookie carries a random token; only its SHA-256 is stored.
CREATE TABLE sessions (
    token_hash      bytea PRIMARY KEY,
    public_id       bigint GENERATED ALWAYS AS IDENTITY UNIQUE,  -- to list and revoke, never a credential
    installation_id bigint REFERENCES installations (id),
    account_id      bigint,
    data            bytea NOT NULL,
    user_agent      text NOT NULL DEFAULT '',
    ip              text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_seen_at    timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,        -- absolute lifetime
    FOREIGN KEY (installation_id, account_id) REFERENCES accounts (installation_id, id) ON DELETE CASCADE
);
CREATE INDEX sessions_account ON sessions (installation_id, account_id) WHERE account_id IS NOT NULL;
CREATE INDEX sessions_expires ON sessions (expires_at);

-- Counters for rate limits, shared by every app server.
CREATE TABLE throttles (
    key           text PRIMARY KEY,
    hits          int NOT NULL,
    window_start  timestamptz NOT NULL,
    blocked_until timestamptz
);

CREATE TABLE audit_log (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    installation_id bigint REFERENCES installations (id),
    at              timestamptz NOT NULL DEFAULT now(),
    account_id      bigint,
    actor           text NOT NULL DEFAULT '',     -- username as typed (never a secret)
    action          text NOT NULL,                -- login, logout, password_change, ...
    outcome         text NOT NULL,                -- success, failure, locked, ...
    ip              text NOT NULL DEFAULT '',
    detail          jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_installation_at ON audit_log (installation_id, at DESC);
CREATE INDEX audit_account_at ON audit_log (installation_id, account_id, at DESC) WHERE account_id IS NOT NULL;

-- +goose Down
DROP TABLE audit_log, throttles, sessions, ledger_entries, attendance, closures, enrollments,
    diets, services, accounts, guardianships, children, schools, adults, installations;
