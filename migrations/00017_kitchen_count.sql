-- +goose Up
-- Kitchen count (issue 15, "Conteggio pasti"): the meals of a day and
-- service frozen once at the cut-off (docs/kitchen-count.md). Corrections
-- after the cut-off are the office's late meal changes (meal_changes.late,
-- 00016), shown beside the frozen figures, never folded into them.

-- One row per service and day once the count is frozen: written once, by
-- the first read after the cut-off, in the transaction that also writes
-- the children below, from the meal changes accepted before cutoff_at.
CREATE TABLE kitchen_counts (
    installation_id bigint NOT NULL,
    service_id      bigint NOT NULL,
    day             date NOT NULL,
    cutoff_at       timestamptz NOT NULL,               -- the figures are as of just before it
    frozen_at       timestamptz NOT NULL DEFAULT now(), -- when the snapshot was written
    PRIMARY KEY (installation_id, service_id, day),
    FOREIGN KEY (installation_id, service_id) REFERENCES services (installation_id, id)
);

-- The frozen meals: one row per child with a meal at the cut-off, with
-- where it is served and what (the diet's name only, '' without a diet;
-- plain: "pasto in bianco") as they were when frozen, so a later change
-- of class, diet or enrolment does not alter the day's figures. Written
-- only with its kitchen_counts row, in one statement for the whole city:
-- no foreign keys, whose per-row checks would double the cost of a freeze.
CREATE TABLE kitchen_count_children (
    installation_id bigint NOT NULL,
    service_id      bigint NOT NULL,
    day             date NOT NULL,
    child_id        bigint NOT NULL,
    school_id       bigint NOT NULL,
    class_name      text NOT NULL,
    diet            text NOT NULL,
    plain           boolean NOT NULL,
    PRIMARY KEY (installation_id, service_id, day, child_id)
);
CREATE INDEX kitchen_count_children_school ON kitchen_count_children (installation_id, service_id, day, school_id, class_name);

-- A frozen count is never rewritten.
-- +goose StatementBegin
CREATE FUNCTION kitchen_count_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'a frozen kitchen count is never modified: record a late change instead'
        USING ERRCODE = 'restrict_violation';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER kitchen_counts_immutable BEFORE UPDATE OR DELETE ON kitchen_counts
    FOR EACH ROW EXECUTE FUNCTION kitchen_count_immutable();
CREATE TRIGGER kitchen_count_children_immutable BEFORE UPDATE OR DELETE ON kitchen_count_children
    FOR EACH ROW EXECUTE FUNCTION kitchen_count_immutable();

-- One school's live count (db/kitchen.go kitchenLiveSQL) reads its children
-- and each child's enrolment of the day from these alone (index-only scans):
-- on the 100,000-children city 5-8 ms of SQL instead of 16-30.
CREATE INDEX children_school_class_id ON children (installation_id, school_id, class_name) INCLUDE (id);
CREATE INDEX enrollments_service_child_day ON enrollments (installation_id, service_id, child_id, starts_on) INCLUDE (ends_on, diet_id);

-- The lock key of a service day: freezing takes it exclusively, every meal
-- change of the day shares it (trigger below).
-- +goose StatementBegin
CREATE FUNCTION kitchen_day_key(p_inst bigint, p_service bigint, p_day date) RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$
    SELECT hashtextextended('kitchen:' || p_inst || ':' || p_service || ':' || p_day, 0)
$$;
-- +goose StatementEnd

-- A change accepted before the cut-off whose transaction commits after the
-- count was frozen would be acknowledged yet missing from the frozen
-- figures. Every meal change therefore waits for a freeze in progress
-- (shared lock) and is refused, its whole transaction rolled back, when
-- the day is already frozen without it: the parent is told nothing was
-- saved, and trying again meets the cut-off. Freezing waits, with the
-- exclusive lock, for the changes in flight to commit.
-- +goose StatementBegin
CREATE FUNCTION meal_changes_before_freeze() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock_shared(kitchen_day_key(NEW.installation_id, NEW.service_id, NEW.day));
    IF EXISTS (SELECT 1 FROM kitchen_counts k WHERE k.installation_id = NEW.installation_id
               AND k.service_id = NEW.service_id AND k.day = NEW.day AND NEW.accepted_at < k.cutoff_at) THEN
        RAISE EXCEPTION 'the kitchen count of % was frozen before this change committed', NEW.day
            USING ERRCODE = 'serialization_failure';
    END IF;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER meal_changes_before_freeze BEFORE INSERT ON meal_changes
    FOR EACH ROW EXECUTE FUNCTION meal_changes_before_freeze();

-- +goose Down
DROP TRIGGER meal_changes_before_freeze ON meal_changes;
DROP FUNCTION meal_changes_before_freeze();
DROP FUNCTION kitchen_day_key(bigint, bigint, date);
DROP INDEX enrollments_service_child_day;
DROP INDEX children_school_class_id;
DROP TABLE kitchen_count_children, kitchen_counts;
DROP FUNCTION kitchen_count_immutable();
