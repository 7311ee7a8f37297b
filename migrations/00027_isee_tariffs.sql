-- +goose Up
-- Tariffs by ISEE ("tariffe agevolate", issue 18): per service the Comune's
-- bands by ISEE value, the maximum tariff and the rules; the families'
-- ISEE declarations the office verifies. docs/tariffs.md.

-- Residency is kept by the office on the adult (the paying adult's
-- residency decides the non-resident rate). Everyone is resident until the
-- office says otherwise.
ALTER TABLE adults ADD COLUMN resident boolean NOT NULL DEFAULT true;

-- One row per service that has tariffs by ISEE. max_cents applies when no
-- valid ISEE is confirmed (or the ISEE is above every band).
-- nonresident_cents, when set, is what a non-resident paying adult pays
-- whatever the ISEE. sibling_percent is the reduction for the second and
-- further child (by age, oldest first) of the same paying adult enrolled in
-- the service on the day.
CREATE TABLE tariff_rules (
    installation_id   bigint NOT NULL,
    service_id        bigint NOT NULL,
    max_cents         bigint NOT NULL CHECK (max_cents >= 0),
    nonresident_cents bigint CHECK (nonresident_cents >= 0),
    sibling_percent   int NOT NULL DEFAULT 0 CHECK (sibling_percent BETWEEN 0 AND 100),
    version           int NOT NULL DEFAULT 1,
    updated_by        bigint,
    updated_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (installation_id, service_id),
    FOREIGN KEY (installation_id, service_id) REFERENCES services (installation_id, id)
);

-- The bands, numbered from 1 ("fascia 1") by ISEE value: a band covers the
-- ISEE values from isee_from_cents to isee_to_cents, both included. The
-- application refuses overlapping or unordered bands; the constraints keep
-- each band well formed and the numbers unique.
CREATE TABLE tariff_bands (
    installation_id bigint NOT NULL,
    service_id      bigint NOT NULL,
    band            int NOT NULL CHECK (band >= 1),
    isee_from_cents bigint NOT NULL CHECK (isee_from_cents >= 0),
    isee_to_cents   bigint NOT NULL,
    amount_cents    bigint NOT NULL CHECK (amount_cents >= 0),
    id              bigint GENERATED ALWAYS AS IDENTITY,
    PRIMARY KEY (installation_id, id),
    UNIQUE (installation_id, service_id, band),
    CHECK (isee_from_cents <= isee_to_cents),
    FOREIGN KEY (installation_id, service_id) REFERENCES tariff_rules (installation_id, service_id) ON DELETE CASCADE
);

-- A family's ISEE declaration: stated by an adult (it sets the tariff of the
-- children they pay for), verified by the office. "scaduta" is not stored:
-- a declaration is expired the day after expires_on. applies_from is the
-- first day the confirmed band applies; retroactive marks an explicit,
-- audited "rettifica retroattiva" (applies_from before the day of the
-- confirmation).
CREATE TABLE isee_declarations (
    installation_id bigint NOT NULL,
    id              bigint GENERATED ALWAYS AS IDENTITY,
    adult_id        bigint NOT NULL,
    isee_cents      bigint NOT NULL CHECK (isee_cents >= 0),
    dsu_protocol    text NOT NULL,
    expires_on      date NOT NULL,
    status          text NOT NULL DEFAULT 'dichiarata' CHECK (status IN ('dichiarata', 'confermata', 'respinta', 'sostituita')),
    declared_by     bigint,
    declared_at     timestamptz NOT NULL DEFAULT now(),
    decided_by      bigint,
    decided_at      timestamptz,
    applies_from    date,
    retroactive     boolean NOT NULL DEFAULT false,
    reason          text NOT NULL DEFAULT '',
    PRIMARY KEY (installation_id, id),
    FOREIGN KEY (installation_id, adult_id) REFERENCES adults (installation_id, id),
    CHECK (status <> 'confermata' OR applies_from IS NOT NULL),
    CHECK (status <> 'respinta' OR reason <> '')
);
-- one declaration waiting for the office per adult
CREATE UNIQUE INDEX isee_declarations_one_open ON isee_declarations (installation_id, adult_id) WHERE status = 'dichiarata';
CREATE INDEX isee_declarations_adult ON isee_declarations (installation_id, adult_id, status, applies_from);

-- +goose Down
DROP TABLE isee_declarations, tariff_bands, tariff_rules;
ALTER TABLE adults DROP COLUMN resident;
