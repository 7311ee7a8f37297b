-- +goose Up
-- A day's register confirmed as closed by the office (a class, or the whole
-- school with class_name ''): after that a mark is refused until it is
-- opened again, so the day's figures stop moving without a deliberate step.
CREATE TABLE register_days (
    installation_id bigint NOT NULL,
    school_id       bigint NOT NULL,
    service_id      bigint NOT NULL,
    class_name      text NOT NULL DEFAULT '',
    day             date NOT NULL,
    closed_by       bigint,
    closed_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (installation_id, school_id, service_id, day, class_name),
    FOREIGN KEY (installation_id, school_id) REFERENCES schools (installation_id, id),
    FOREIGN KEY (installation_id, service_id) REFERENCES services (installation_id, id)
);

-- +goose Down
DROP TABLE register_days;
