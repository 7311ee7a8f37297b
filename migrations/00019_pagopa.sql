-- +goose Up
-- pagoPA (docs/pagopa.md): each Comune's connection to the platform, and the
-- debt positions the portal creates in GPD for top-ups ("ricarica"), notices
-- ("avviso") and monthly bills. The outcome of a payment is read back from
-- GPD by the reconciliation job, which books it in ledger_entries once,
-- keyed by IUV.
CREATE TABLE pagopa_settings (
    installation_id      bigint PRIMARY KEY REFERENCES installations (id),
    enabled              boolean NOT NULL DEFAULT false,
    creditor_fiscal_code text NOT NULL DEFAULT '' CHECK (creditor_fiscal_code ~ '^([0-9]{11})?$'),
    segregation_code     text NOT NULL DEFAULT '' CHECK (segregation_code ~ '^([0-9]{2})?$'),
    aux_digit            smallint NOT NULL DEFAULT 3 CHECK (aux_digit = 3), -- the only one pagoPA still allows
    iban                 text NOT NULL DEFAULT '',          -- the creditor's account (ITxx...), one or more, comma-separated
    gpd_base_url         text NOT NULL DEFAULT '',
    checkout_base_url    text NOT NULL DEFAULT '',
    -- the partner's subscription key, AES-256-GCM under GENITORI_SECRET_KEY
    -- ("v1:..."), or "v0:..." in clear when no key is configured (development)
    api_key_sealed       text NOT NULL DEFAULT '',
    min_cents            bigint NOT NULL DEFAULT 500 CHECK (min_cents > 0),
    max_cents            bigint NOT NULL DEFAULT 50000 CHECK (max_cents >= min_cents),
    presets_cents        bigint[] NOT NULL DEFAULT '{2000,5000,10000}',
    billing              text NOT NULL DEFAULT 'before' CHECK (billing IN ('before', 'after')),
    notice_days          integer NOT NULL DEFAULT 30 CHECK (notice_days BETWEEN 1 AND 365),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    updated_by           bigint,
    -- the last reconciliation run for this Comune (the staff page shows it)
    last_run_at          timestamptz,
    last_run_checked     integer NOT NULL DEFAULT 0,
    last_run_paid        integer NOT NULL DEFAULT 0,
    last_run_errors      integer NOT NULL DEFAULT 0,
    last_run_error       text NOT NULL DEFAULT ''
);

-- The IUV base (13 digits) of every position: unique across the database.
CREATE SEQUENCE pagopa_iuv_seq START 1000;

CREATE TABLE pagopa_positions (
    installation_id bigint NOT NULL REFERENCES installations (id),
    id              bigint GENERATED ALWAYS AS IDENTITY,
    adult_id        bigint NOT NULL,                  -- the paying adult (the debtor)
    kind            text NOT NULL CHECK (kind IN ('topup', 'notice', 'monthly')),
    -- draft: recorded, GPD has not confirmed it yet; pending: published,
    -- payable; paid: booked in the ledger; expired: past its due date
    -- unpaid; cancelled: invalidated by the office, or never created in GPD
    status          text NOT NULL DEFAULT 'draft'
                    CHECK (status IN ('draft', 'pending', 'paid', 'expired', 'cancelled')),
    iupd            text NOT NULL,
    iuv             text NOT NULL CHECK (iuv ~ '^[0-9]{15,17}$'),
    notice_number   text NOT NULL CHECK (notice_number ~ '^[0-9]{18}$'),
    amount_cents    bigint NOT NULL CHECK (amount_cents > 0),
    description     text NOT NULL,
    due_date        date NOT NULL,
    month           date,                             -- monthly bills: the first day of the month billed
    -- one attempt of the parent (the form's token) or of the staff job: a
    -- replay finds the position already made
    attempt_key     text NOT NULL,
    created_by      bigint,                           -- the account that asked for it; NULL: a job
    created_at      timestamptz NOT NULL DEFAULT now(),
    published_at    timestamptz,
    paid_at         timestamptz,
    receipt_ref     text NOT NULL DEFAULT '',         -- the PSP receipt id (GPD paymentOption.idReceipt)
    receipt_data    jsonb,                            -- what GPD said about the payment
    ledger_entry_id bigint,
    closed_at       timestamptz,
    checks          integer NOT NULL DEFAULT 0,       -- reconciliation polls so far (backoff)
    next_check_at   timestamptz NOT NULL DEFAULT now(),
    last_checked_at timestamptz,
    last_error      text NOT NULL DEFAULT '',
    PRIMARY KEY (installation_id, id),
    UNIQUE (installation_id, iuv),
    UNIQUE (installation_id, iupd),
    UNIQUE (installation_id, attempt_key),
    FOREIGN KEY (installation_id, adult_id) REFERENCES adults (installation_id, id),
    FOREIGN KEY (installation_id, created_by) REFERENCES accounts (installation_id, id) ON DELETE SET NULL (created_by),
    FOREIGN KEY (installation_id, ledger_entry_id) REFERENCES ledger_entries (installation_id, id)
);
CREATE INDEX pagopa_positions_adult ON pagopa_positions (installation_id, adult_id, created_at DESC);
CREATE INDEX pagopa_positions_open ON pagopa_positions (next_check_at) WHERE status IN ('draft', 'pending');
CREATE INDEX pagopa_positions_list ON pagopa_positions (installation_id, status, created_at DESC);
-- one monthly bill per paying adult and month
CREATE UNIQUE INDEX pagopa_positions_month ON pagopa_positions (installation_id, adult_id, month)
    WHERE kind = 'monthly' AND status <> 'cancelled';

-- +goose Down
DROP TABLE pagopa_positions;
DROP SEQUENCE pagopa_iuv_seq;
DROP TABLE pagopa_settings;
