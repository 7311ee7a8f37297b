-- +goose Up
-- The family home asks whether any request concerns one of the children
-- (db/page_family.go): by child, not only by the requesting adult.
CREATE INDEX enrolment_requests_child ON enrolment_requests (installation_id, child_id) WHERE child_id IS NOT NULL;

-- +goose Down
DROP INDEX enrolment_requests_child;
