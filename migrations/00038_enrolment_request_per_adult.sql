-- +goose NO TRANSACTION
-- +goose Up
-- One open enrolment request per child, window and requesting adult (was:
-- per child and window). With one per child, a family typing a codice
-- fiscale learned whether somebody else had asked for that child, and
-- knowing a codice fiscale must tell nothing. A request by an adult who is
-- not the child's guardian is now kept beside the other for the office,
-- which sees both on each request's page; another guardian of the same
-- child is still told (db.ErrAlreadyRequested): both see the request on
-- their family home anyway.
--
-- CONCURRENTLY, outside a transaction, as 00037: the family home reads
-- this table on every request, and a DROP in one transaction with the build
-- would queue them behind it. Each step can be run again. Restart the
-- servers right after: until then the old code's ON CONFLICT names the
-- dropped index, and a family's enrolment request fails (nothing stored).
DROP INDEX CONCURRENTLY IF EXISTS enrolment_requests_one_per_adult;
CREATE UNIQUE INDEX CONCURRENTLY enrolment_requests_one_per_adult ON enrolment_requests (installation_id, window_id, fiscal_code, adult_id)
    WHERE status <> 'rejected';
DROP INDEX CONCURRENTLY IF EXISTS enrolment_requests_one_per_child;

-- +goose Down
-- fails while two adults' requests for one child are open in one window
DROP INDEX CONCURRENTLY IF EXISTS enrolment_requests_one_per_child;
CREATE UNIQUE INDEX CONCURRENTLY enrolment_requests_one_per_child ON enrolment_requests (installation_id, window_id, fiscal_code)
    WHERE status <> 'rejected';
DROP INDEX CONCURRENTLY IF EXISTS enrolment_requests_one_per_adult;
