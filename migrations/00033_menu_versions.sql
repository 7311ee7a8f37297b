-- +goose Up
-- The calendar's day shows the day's menu (00029): a change to a menu, its
-- dishes or a diet's excluded allergens is a new version of the installation,
-- like a closure (00030).
SELECT track_data_version('dishes', 'i');
SELECT track_data_version('dish_allergens', 'i');
SELECT track_data_version('diet_allergens', 'i');
SELECT track_data_version('menus', 'i');
SELECT track_data_version('menu_schools', 'i');
SELECT track_data_version('menu_items', 'i');
SELECT track_data_version('menu_variants', 'i');

-- +goose Down
-- +goose StatementBegin
DO $$
DECLARE t record;
BEGIN
    FOR t IN SELECT tgname, tgrelid::regclass AS tbl FROM pg_trigger
             WHERE tgname LIKE 'data\_version\_%'
               AND tgrelid::regclass::text IN ('dishes', 'dish_allergens', 'diet_allergens', 'menus',
                                               'menu_schools', 'menu_items', 'menu_variants') LOOP
        EXECUTE format('DROP TRIGGER %I ON %s', t.tgname, t.tbl);
    END LOOP;
END
$$;
-- +goose StatementEnd
