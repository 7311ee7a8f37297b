-- +goose Up
-- meal_request_state is the part of a meal request's first statement
-- (db/booking_change.go) that must come after the children's lock: it locks
-- them, in id order (two guardians, or a guardian and the office, acting on
-- the same child are decided one after the other), then reads the database
-- clock and the meal changes the request is decided on. A VOLATILE function
-- takes a new snapshot for each query it runs, so these reads see every
-- change committed by whoever held the lock before; the caller's statement
-- could not, its snapshot being taken before it waits for the lock.
--   replay: the changes a submission of the same form made (request keys);
--   states: the latest change of each day of the children at the service,
--           from..to (the caller passes the days the rules look at).
-- +goose StatementBegin
CREATE FUNCTION meal_request_state(p_inst bigint, p_service bigint, p_children bigint[], p_from date, p_to date,
                                   p_keys text[]) RETURNS json LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
    out json;
BEGIN
    PERFORM 1 FROM children WHERE installation_id = p_inst AND id = ANY (p_children) ORDER BY id FOR NO KEY UPDATE;
    -- one child, one key at a time (LATERAL): the generic plans PL/pgSQL
    -- keeps after five calls then still read each through its index, not
    -- every change of the service in the days (or of the installation)
    SELECT json_build_object(
        'now', booking_now(),
        'replay', (SELECT json_agg(x ORDER BY x.child_id, x.day) FROM unnest(p_keys) AS k(key) CROSS JOIN LATERAL (
            SELECT id, child_id, service_id, day, state, previous, accepted_at, cutoff_at, late, actor_name, channel,
                   receipt_code, reason
            FROM meal_changes WHERE installation_id = p_inst AND request_key = k.key) x),
        'states', (SELECT json_agg(x) FROM unnest(p_children) AS k(id) CROSS JOIN LATERAL (
            SELECT DISTINCT ON (day) id, child_id, service_id, day, state, previous, accepted_at, cutoff_at,
                   late, actor_name, channel, receipt_code, reason
            FROM meal_changes
            WHERE installation_id = p_inst AND child_id = k.id AND service_id = p_service
              AND day BETWEEN p_from AND p_to
            ORDER BY day, accepted_at DESC, id DESC) x))
    INTO out;
    RETURN out;
END
$fn$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION meal_request_state(bigint, bigint, bigint[], date, date, text[]);
