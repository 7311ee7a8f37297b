-- +goose Up
-- Data versions for the ETags of the family pages (docs/caching.md).
--
-- A version is a number from data_version_seq, set again on every write
-- that touches what it covers, by statement-level triggers in the writing
-- transaction: a write path cannot forget it, and a rolled-back write
-- leaves it as it was. Three scopes:
--   'c' a child:      the child, its guardianships, enrollments (and their
--                     events), attendance, meal changes, ledger entries for it;
--   'a' an adult:     the adult, its guardianships, its ledger (as payer),
--                     pagoPA positions, credit requests;
--   'i' installation: what many families' pages share (id 0): the Comune's
--                     settings, closures, services, schools, diets,
--                     booking and pagoPA settings.
-- A key without a row has never been written since this migration: the
-- page's ETag reads it as absent, and the first write adds the row.
CREATE SEQUENCE data_version_seq;

CREATE TABLE data_versions (
    installation_id bigint NOT NULL,
    scope           "char" NOT NULL CHECK (scope IN ('i', 'c', 'a')),
    id              bigint NOT NULL,     -- the child or adult; 0 for the installation
    version         bigint NOT NULL,
    PRIMARY KEY (installation_id, scope, id)
);

-- data_versions_bump is the statement-level trigger that track_data_version
-- declares: TG_ARGV = scope, the key (SQL over the row "r"), the columns
-- whose changes alone do not count, the installation (SQL over "r").
-- +goose StatementBegin
CREATE FUNCTION data_versions_bump() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
    p_scope   text   := TG_ARGV[0];
    p_key     text   := TG_ARGV[1];
    p_ignored text[] := TG_ARGV[2]::text[];
    p_inst    text   := TG_ARGV[3];
    src       text;
BEGIN
    IF TG_OP = 'INSERT' THEN
        src := 'SELECT * FROM new_rows';
    ELSIF TG_OP = 'DELETE' THEN
        src := 'SELECT * FROM old_rows';
    ELSIF cardinality(p_ignored) = 0 THEN
        src := 'SELECT * FROM new_rows UNION ALL SELECT * FROM old_rows';
    ELSE
        -- the rows that changed in a column that counts, before and after
        src := format($q$
            SELECT * FROM new_rows n WHERE to_jsonb(n) - %1$L::text[] IN
                (SELECT to_jsonb(x) - %1$L::text[] FROM new_rows x EXCEPT SELECT to_jsonb(y) - %1$L::text[] FROM old_rows y)
            UNION ALL
            SELECT * FROM old_rows o WHERE to_jsonb(o) - %1$L::text[] IN
                (SELECT to_jsonb(y) - %1$L::text[] FROM old_rows y EXCEPT SELECT to_jsonb(x) - %1$L::text[] FROM new_rows x)$q$,
            p_ignored);
    END IF;
    -- keys in order, so two bulk writes lock the rows in the same order
    EXECUTE format($q$
        INSERT INTO data_versions AS d (installation_id, scope, id, version)
        SELECT k.inst, %L, k.key, nextval('data_version_seq')
        FROM (SELECT DISTINCT %s AS inst, (%s)::bigint AS key FROM (%s) r) k
        WHERE k.key IS NOT NULL AND k.inst IS NOT NULL
        ORDER BY k.inst, k.key
        ON CONFLICT (installation_id, scope, id) DO UPDATE SET version = EXCLUDED.version$q$,
        p_scope, p_inst, p_key, src);
    RETURN NULL;
END
$fn$;
-- +goose StatementEnd

-- track_data_version declares that writes to tbl change the version of
-- scope: the child ('c') or adult ('a') named by key, an SQL expression
-- over the written row "r", or the installation ('i', key 0). Columns in
-- ignored change without a new version (bookkeeping a page does not show).
-- Adding a table is one line, in its own migration:
--     SELECT track_data_version('menus', 'i');
-- +goose StatementBegin
CREATE FUNCTION track_data_version(tbl regclass, scope text, key text DEFAULT '0',
                                   ignored text[] DEFAULT '{}', inst text DEFAULT 'r.installation_id')
RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
    args text := format('%L, %L, %L, %L', scope, key, ignored, inst);
    name text := 'data_version_' || scope;
BEGIN
    IF scope NOT IN ('i', 'c', 'a') THEN
        RAISE EXCEPTION 'data version scope %: want i, c or a', scope;
    END IF;
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %s REFERENCING NEW TABLE AS new_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION data_versions_bump(%s)', name || '_ins', tbl, args);
    EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %s REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION data_versions_bump(%s)', name || '_upd', tbl, args);
    EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %s REFERENCING OLD TABLE AS old_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION data_versions_bump(%s)', name || '_del', tbl, args);
END
$fn$;
-- +goose StatementEnd

-- a child
SELECT track_data_version('children', 'c', 'r.id');
SELECT track_data_version('guardianships', 'c', 'r.child_id');
SELECT track_data_version('enrollments', 'c', 'r.child_id');
SELECT track_data_version('enrollment_events', 'c',
    '(SELECT e.child_id FROM enrollments e WHERE e.installation_id = r.installation_id AND e.id = r.enrollment_id)');
SELECT track_data_version('attendance', 'c', 'r.child_id');
SELECT track_data_version('meal_changes', 'c', 'r.child_id');
SELECT track_data_version('ledger_entries', 'c', 'r.child_id');
-- an adult
SELECT track_data_version('adults', 'a', 'r.id');
SELECT track_data_version('guardianships', 'a', 'r.adult_id');
SELECT track_data_version('ledger_entries', 'a', 'r.adult_id');
SELECT track_data_version('pagopa_positions', 'a', 'r.adult_id',
    '{checks,next_check_at,last_checked_at,last_error}'); -- reconciliation polls (last_error: staff pages only)
SELECT track_data_version('credit_requests', 'a', 'r.adult_id');
-- the installation
SELECT track_data_version('installations', 'i', '0', '{}', 'r.id');
SELECT track_data_version('closures', 'i');
SELECT track_data_version('services', 'i');
SELECT track_data_version('schools', 'i');
SELECT track_data_version('diets', 'i');
SELECT track_data_version('booking_settings', 'i');
SELECT track_data_version('pagopa_settings', 'i', '0',
    '{last_run_at,last_run_checked,last_run_paid,last_run_errors,last_run_error}'); -- every reconciliation run

-- +goose Down
-- +goose StatementBegin
DO $$
DECLARE t record;
BEGIN
    FOR t IN SELECT tgname, tgrelid::regclass AS tbl FROM pg_trigger WHERE tgname LIKE 'data\_version\_%' LOOP
        EXECUTE format('DROP TRIGGER %I ON %s', t.tgname, t.tbl);
    END LOOP;
END
$$;
-- +goose StatementEnd
DROP FUNCTION track_data_version(regclass, text, text, text[], text);
DROP FUNCTION data_versions_bump();
DROP TABLE data_versions;
DROP SEQUENCE data_version_seq;
