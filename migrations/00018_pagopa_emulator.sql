-- +goose Up
-- State of the built-in pagoPA emulator (package internal/pagopa/emulator),
-- used only when GENITORI_DEMO_PAGOPA=true. It lives in PostgreSQL so that
-- positions, carts and receipts survive the portal process being killed,
-- like the real platform would. Nothing else reads these tables.

-- Debt positions as GPD holds them, keyed like GPD by creditor and IUPD.
CREATE TABLE pagopa_emulator_positions (
    organization_fiscal_code text NOT NULL,
    iupd               text NOT NULL,
    iuv                text NOT NULL,
    nav                text NOT NULL,
    company_name       text NOT NULL,
    -- GPD's internal status: DRAFT, PUBLISHED, VALID, INVALID, EXPIRED,
    -- PAID, REPORTED (the v3 API shows INVALID/EXPIRED as UNPAYABLE).
    status             text NOT NULL,
    installment_status text NOT NULL DEFAULT 'UNPAID',
    amount_cents       bigint NOT NULL CHECK (amount_cents > 0),
    description        text NOT NULL,
    due_date           timestamptz NOT NULL,
    switch_to_expired  boolean NOT NULL DEFAULT false,
    debtor             jsonb NOT NULL,
    request            jsonb NOT NULL, -- the created PaymentPositionModelV3, as received
    inserted_at        timestamptz NOT NULL,
    published_at       timestamptz,
    updated_at         timestamptz NOT NULL,
    -- The receipt, once paid.
    payment_date       timestamptz,
    receipt_id         text,
    psp_company        text,
    payment_method     text,
    fee_cents          bigint,
    -- How many times a PSP tried to pay it (above 1: duplicates refused).
    payment_attempts   integer NOT NULL DEFAULT 0,
    PRIMARY KEY (organization_fiscal_code, iupd),
    UNIQUE (organization_fiscal_code, iuv),
    UNIQUE (organization_fiscal_code, nav)
);

-- Checkout carts: what POST /carts received, and how the payer ended.
CREATE TABLE pagopa_emulator_carts (
    id         text PRIMARY KEY,
    request    jsonb NOT NULL,
    created_at timestamptz NOT NULL,
    outcome    text CHECK (outcome IN ('paid', 'cancelled', 'error')),
    ended_at   timestamptz
);

-- The switches (one row) and the count of API calls they act on.
CREATE TABLE pagopa_emulator_switches (
    id         boolean PRIMARY KEY DEFAULT true CHECK (id),
    delay_ms   integer NOT NULL DEFAULT 0 CHECK (delay_ms >= 0),
    fail_next  integer NOT NULL DEFAULT 0 CHECK (fail_next >= 0),
    fail_every integer NOT NULL DEFAULT 0 CHECK (fail_every >= 0),
    lose_next  integer NOT NULL DEFAULT 0 CHECK (lose_next >= 0),
    hang       boolean NOT NULL DEFAULT false,
    pay_twice  boolean NOT NULL DEFAULT false,
    calls      bigint NOT NULL DEFAULT 0
);
INSERT INTO pagopa_emulator_switches DEFAULT VALUES;

-- +goose Down
DROP TABLE pagopa_emulator_switches;
DROP TABLE pagopa_emulator_carts;
DROP TABLE pagopa_emulator_positions;
