-- +goose Up
-- Disdetta pasto (issue 15): parents and the office book, cancel and ask
-- for a plain meal before the Comune's cut-off; the kitchen counts the
-- meals. docs/booking.md describes the rules.

-- The rules of one service of one Comune. No row: the defaults of
-- db.DefaultBookingSettings (mensa bookable, presumed presence, same day
-- 9:30, 30 days ahead, no charge unless eaten, plain meal up to 3 days).
CREATE TABLE booking_settings (
    installation_id         bigint NOT NULL,
    service_id              bigint NOT NULL,
    enabled                 boolean NOT NULL DEFAULT true,
    mode                    text NOT NULL DEFAULT 'presumed' CHECK (mode IN ('presumed', 'explicit')),
    cutoff_day              text NOT NULL DEFAULT 'same' CHECK (cutoff_day IN ('same', 'previous')),
    cutoff_time             time NOT NULL DEFAULT '09:30',
    -- changes for a day open on its previous school day at this hour; NULL:
    -- open days_ahead in advance
    window_opens            time,
    days_ahead              int NOT NULL DEFAULT 30 CHECK (days_ahead BETWEEN 0 AND 366),
    charge_unless_cancelled boolean NOT NULL DEFAULT false,
    plain_max_days          int NOT NULL DEFAULT 3 CHECK (plain_max_days BETWEEN 0 AND 30),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    updated_by              bigint,
    PRIMARY KEY (installation_id, service_id),
    FOREIGN KEY (installation_id, service_id) REFERENCES services (installation_id, id)
);

-- The accounts that asked for every booking receipt by e-mail too (a
-- table of its own: accounts is read with SELECT * into db.Account).
CREATE TABLE booking_receipt_emails (
    installation_id bigint NOT NULL,
    account_id      bigint NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (installation_id, account_id),
    FOREIGN KEY (installation_id, account_id) REFERENCES accounts (installation_id, id) ON DELETE CASCADE
);

-- Every accepted change of a meal, append-only: the state of a child's
-- service day as of a time T is the state of its latest change accepted at
-- or before T, or, without any, the service's mode (presumed: booked;
-- explicit: not booked). accepted_at is the database clock (booking_now())
-- read once in the transaction that wrote the row, after the child's lock,
-- so the changes of one child are in accepted_at order.
CREATE TABLE meal_changes (
    installation_id bigint NOT NULL,
    id              bigint GENERATED ALWAYS AS IDENTITY,
    child_id        bigint NOT NULL,
    service_id      bigint NOT NULL,
    day             date NOT NULL,
    state           text NOT NULL CHECK (state IN ('booked', 'cancelled', 'plain', 'none')),
    previous        text NOT NULL CHECK (previous IN ('booked', 'cancelled', 'plain', 'none')),
    accepted_at     timestamptz NOT NULL,
    cutoff_at       timestamptz NOT NULL,   -- the cut-off of the day, beaten unless late
    late            boolean NOT NULL DEFAULT false, -- an office correction after the cut-off
    account_id      bigint,
    actor_name      text NOT NULL,          -- snapshot: "Laura Rossi", "Ufficio Servizi Scolastici"
    channel         text NOT NULL CHECK (channel IN ('parent', 'office')),
    receipt_code    text NOT NULL,          -- shared by the changes of one request
    request_key     text NOT NULL,          -- idempotency: a replay finds its row
    reason          text NOT NULL DEFAULT '',
    PRIMARY KEY (installation_id, id),
    UNIQUE (installation_id, request_key),
    CHECK (late = (accepted_at >= cutoff_at)),
    CHECK (NOT late OR (channel = 'office' AND reason <> '')),
    FOREIGN KEY (installation_id, child_id) REFERENCES children (installation_id, id),
    FOREIGN KEY (installation_id, service_id) REFERENCES services (installation_id, id),
    FOREIGN KEY (installation_id, account_id) REFERENCES accounts (installation_id, id)
);
-- The kitchen: every change of a day of a service, by child, newest first.
CREATE INDEX meal_changes_day ON meal_changes (installation_id, day, service_id, child_id, accepted_at DESC, id DESC);
-- A family: the days of a child.
CREATE INDEX meal_changes_child ON meal_changes (installation_id, child_id, service_id, day, accepted_at DESC, id DESC);
CREATE INDEX meal_changes_receipt ON meal_changes (installation_id, receipt_code);
-- The children enrolled in a service on a day (the kitchen count).
CREATE INDEX enrollments_service_period ON enrollments (installation_id, service_id, starts_on, ends_on);

-- +goose StatementBegin
CREATE FUNCTION meal_changes_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'meal changes are never modified: record a new change instead'
        USING ERRCODE = 'restrict_violation';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER meal_changes_immutable BEFORE UPDATE OR DELETE ON meal_changes
    FOR EACH ROW EXECUTE FUNCTION meal_changes_immutable();

-- The clock every booking rule reads. Production: the database's clock at
-- the call. Tests pin it per transaction (or connection) with
--   SET LOCAL genitori.booking_now = '2027-03-29 09:29:59.9+02'
-- and nothing else sets that setting.
-- +goose StatementBegin
CREATE FUNCTION booking_now() RETURNS timestamptz LANGUAGE sql VOLATILE AS $$
    SELECT coalesce(nullif(current_setting('genitori.booking_now', true), '')::timestamptz, clock_timestamp())
$$;
-- +goose StatementEnd

-- The meal state of each child enrolled in a service on a day, as of a
-- time: booked, cancelled, plain or none (not booked), with the change that
-- decided it (NULL: the mode's default). The kitchen count reads this.
-- +goose StatementBegin
CREATE FUNCTION meal_states(p_inst bigint, p_service bigint, p_day date, p_at timestamptz)
RETURNS TABLE (child_id bigint, state text, change_id bigint) LANGUAGE sql STABLE AS $$
    SELECT e.child_id,
           coalesce(m.state, CASE WHEN coalesce(bs.mode, 'presumed') = 'presumed' THEN 'booked' ELSE 'none' END),
           m.id
    FROM enrollments e
    LEFT JOIN booking_settings bs ON bs.installation_id = e.installation_id AND bs.service_id = e.service_id
    LEFT JOIN LATERAL (
        SELECT mc.state, mc.id FROM meal_changes mc
        WHERE mc.installation_id = e.installation_id AND mc.day = p_day AND mc.service_id = e.service_id
          AND mc.child_id = e.child_id AND mc.accepted_at <= p_at
        ORDER BY mc.accepted_at DESC, mc.id DESC LIMIT 1) m ON true
    WHERE e.installation_id = p_inst AND e.service_id = p_service AND p_day BETWEEN e.starts_on AND e.ends_on
      AND extract(isodow FROM p_day) < 6
      AND NOT EXISTS (SELECT 1 FROM closures cl WHERE cl.installation_id = p_inst AND cl.day = p_day)
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION meal_states(bigint, bigint, date, timestamptz);
DROP FUNCTION booking_now();
DROP TRIGGER meal_changes_immutable ON meal_changes;
DROP FUNCTION meal_changes_immutable();
DROP INDEX enrollments_service_period;
DROP TABLE meal_changes;
DROP TABLE booking_receipt_emails;
DROP TABLE booking_settings;
