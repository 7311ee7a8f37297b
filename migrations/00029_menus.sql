-- +goose Up
-- Menus (issue 18, "Menù"): the 14 allergens of EU Reg. 1169/2011 Annex II
-- as data, the Comune's dishes and what they contain, the allergens each
-- diet excludes, and the seasonal menus: a rotation of N weeks served by a
-- group of schools, with variants per diet. docs/menus.md describes them.

-- Fixed by the regulation: the same rows in every installation.
CREATE TABLE allergens (
    code     text PRIMARY KEY CHECK (code ~ '^[a-z_]+$'),
    position smallint NOT NULL UNIQUE CHECK (position BETWEEN 1 AND 14), -- order of Annex II
    name_it  text NOT NULL,
    name_en  text NOT NULL
);
INSERT INTO allergens (code, position, name_it, name_en) VALUES
    ('glutine', 1, 'Glutine', 'Gluten'),
    ('crostacei', 2, 'Crostacei', 'Crustaceans'),
    ('uova', 3, 'Uova', 'Eggs'),
    ('pesce', 4, 'Pesce', 'Fish'),
    ('arachidi', 5, 'Arachidi', 'Peanuts'),
    ('soia', 6, 'Soia', 'Soybeans'),
    ('latte', 7, 'Latte', 'Milk'),
    ('frutta_a_guscio', 8, 'Frutta a guscio', 'Nuts'),
    ('sedano', 9, 'Sedano', 'Celery'),
    ('senape', 10, 'Senape', 'Mustard'),
    ('sesamo', 11, 'Semi di sesamo', 'Sesame seeds'),
    ('solfiti', 12, 'Anidride solforosa e solfiti', 'Sulphur dioxide and sulphites'),
    ('lupini', 13, 'Lupini', 'Lupin'),
    ('molluschi', 14, 'Molluschi', 'Molluscs');

CREATE TABLE dishes (
    installation_id bigint NOT NULL REFERENCES installations (id),
    id              bigint GENERATED ALWAYS AS IDENTITY,
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    PRIMARY KEY (installation_id, id)
);
CREATE UNIQUE INDEX dishes_name ON dishes (installation_id, lower(name));

CREATE TABLE dish_allergens (
    installation_id bigint NOT NULL,
    dish_id         bigint NOT NULL,
    allergen        text NOT NULL REFERENCES allergens (code),
    PRIMARY KEY (installation_id, dish_id, allergen),
    FOREIGN KEY (installation_id, dish_id) REFERENCES dishes (installation_id, id) ON DELETE CASCADE
);

-- What a diet may not contain (a diet is still only a restriction's name).
CREATE TABLE diet_allergens (
    installation_id bigint NOT NULL,
    diet_id         bigint NOT NULL,
    allergen        text NOT NULL REFERENCES allergens (code),
    PRIMARY KEY (installation_id, diet_id, allergen),
    FOREIGN KEY (installation_id, diet_id) REFERENCES diets (installation_id, id) ON DELETE CASCADE
);

-- A seasonal menu. Week 1 of the rotation is the calendar week (Monday to
-- Friday) starting on rotation_start; the weeks follow the calendar, so a
-- closure does not shift them. A school has at most one menu on a day (the
-- application checks it under a lock of the schools' rows).
CREATE TABLE menus (
    installation_id bigint NOT NULL REFERENCES installations (id),
    id              bigint GENERATED ALWAYS AS IDENTITY,
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 120), -- "Menù invernale 2026/2027"
    valid_from      date NOT NULL,
    valid_to        date NOT NULL,
    weeks           smallint NOT NULL CHECK (weeks BETWEEN 4 AND 8),
    rotation_start  date NOT NULL CHECK (extract(isodow FROM rotation_start) = 1),
    asl_approved_on date,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    updated_by      bigint,
    PRIMARY KEY (installation_id, id),
    CHECK (valid_from <= valid_to)
);

CREATE TABLE menu_schools (
    installation_id bigint NOT NULL,
    menu_id         bigint NOT NULL,
    school_id       bigint NOT NULL,
    PRIMARY KEY (installation_id, menu_id, school_id),
    FOREIGN KEY (installation_id, menu_id) REFERENCES menus (installation_id, id) ON DELETE CASCADE,
    FOREIGN KEY (installation_id, school_id) REFERENCES schools (installation_id, id)
);
CREATE INDEX menu_schools_school ON menu_schools (installation_id, school_id);

-- The dish of a course on a weekday (1 Monday .. 5 Friday) of a week of the rotation.
CREATE TABLE menu_items (
    installation_id bigint NOT NULL,
    menu_id         bigint NOT NULL,
    week            smallint NOT NULL CHECK (week BETWEEN 1 AND 8),
    weekday         smallint NOT NULL CHECK (weekday BETWEEN 1 AND 5),
    course          text NOT NULL CHECK (course IN ('primo', 'secondo', 'contorno', 'pane', 'frutta', 'dessert', 'merenda')),
    dish_id         bigint NOT NULL,
    PRIMARY KEY (installation_id, menu_id, week, weekday, course),
    FOREIGN KEY (installation_id, menu_id) REFERENCES menus (installation_id, id) ON DELETE CASCADE,
    FOREIGN KEY (installation_id, dish_id) REFERENCES dishes (installation_id, id)
);

-- For the children with a diet, another dish in place of the course's.
CREATE TABLE menu_variants (
    installation_id bigint NOT NULL,
    menu_id         bigint NOT NULL,
    week            smallint NOT NULL,
    weekday         smallint NOT NULL,
    course          text NOT NULL,
    diet_id         bigint NOT NULL,
    dish_id         bigint NOT NULL,
    PRIMARY KEY (installation_id, menu_id, week, weekday, course, diet_id),
    FOREIGN KEY (installation_id, menu_id, week, weekday, course)
        REFERENCES menu_items (installation_id, menu_id, week, weekday, course) ON DELETE CASCADE,
    FOREIGN KEY (installation_id, diet_id) REFERENCES diets (installation_id, id),
    FOREIGN KEY (installation_id, dish_id) REFERENCES dishes (installation_id, id)
);

-- The week of the rotation (1..weeks) that day falls in; days before the
-- start count backwards, so the result is always in range.
-- +goose StatementBegin
CREATE FUNCTION menu_week(p_start date, p_weeks int, p_day date) RETURNS int LANGUAGE sql IMMUTABLE AS $$
    SELECT ((floor((p_day - p_start) / 7.0)::int % p_weeks) + p_weeks) % p_weeks + 1
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION menu_week(date, int, date);
DROP TABLE menu_variants, menu_items, menu_schools, menus, diet_allergens, dish_allergens, dishes, allergens;
