-- +goose Up
-- Special diets ("diete speciali", issue 18, docs/special-diets.md): a
-- guardian asks for a child's diet, with a medical certificate (health
-- diets) or a self-declaration (ethical, religious); the office accepts
-- (the diet goes on the child's canteen enrollments) or rejects with a
-- reason the family reads.

-- The permission to open health data (GDPR art. 9). Not granted to anyone
-- by this migration: the administrator ticks it for who needs it.
ALTER TABLE staff_permissions DROP CONSTRAINT staff_permissions_permission_check;
ALTER TABLE staff_permissions ADD CONSTRAINT staff_permissions_permission_check
    CHECK (permission IN ('anagrafica', 'presenze', 'cassa', 'comunicazioni', 'salute'));

-- How long a certificate is kept after the diet's validity ends (or after
-- a request is rejected), per Comune; no row: 30 days.
CREATE TABLE diet_settings (
    installation_id bigint PRIMARY KEY REFERENCES installations (id),
    retention_days  int NOT NULL DEFAULT 30 CHECK (retention_days BETWEEN 0 AND 3650)
);

-- restriction: only what the kitchen needs ("Senza glutine"), as the family
-- asks it; the diet the office sets is diet_id (diets.name).
CREATE TABLE diet_requests (
    installation_id bigint NOT NULL,
    id              bigint GENERATED ALWAYS AS IDENTITY,
    child_id        bigint NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('allergy', 'intolerance', 'coeliac', 'health_other', 'ethical', 'religious')),
    restriction     text NOT NULL CHECK (restriction <> ''),
    self_declared   boolean NOT NULL DEFAULT false,
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'rejected', 'withdrawn')),
    requested_by    bigint NOT NULL,
    requested_at    timestamptz NOT NULL DEFAULT now(),
    decided_by      bigint,
    decided_at      timestamptz,
    note            text NOT NULL DEFAULT '',
    diet_id         bigint,
    valid_from      date,
    valid_to        date,
    PRIMARY KEY (installation_id, id),
    FOREIGN KEY (installation_id, child_id) REFERENCES children (installation_id, id),
    FOREIGN KEY (installation_id, requested_by) REFERENCES accounts (installation_id, id),
    FOREIGN KEY (installation_id, diet_id) REFERENCES diets (installation_id, id),
    CHECK (kind NOT IN ('ethical', 'religious') OR self_declared),
    CHECK (status <> 'accepted' OR (diet_id IS NOT NULL AND valid_from IS NOT NULL AND valid_to >= valid_from)),
    CHECK (status <> 'rejected' OR note <> '')
);
CREATE UNIQUE INDEX diet_requests_one_open ON diet_requests (installation_id, child_id) WHERE status = 'pending';
CREATE INDEX diet_requests_status ON diet_requests (installation_id, status, requested_at);

-- The certificate: the file sealed (internal/seal, GENITORI_SECRET_KEY)
-- while kept; once deleted, a tombstone says when and by what.
CREATE TABLE diet_certificates (
    installation_id bigint NOT NULL,
    request_id      bigint NOT NULL,
    content_type    text NOT NULL CHECK (content_type IN ('application/pdf', 'image/jpeg', 'image/png')),
    size_bytes      int NOT NULL CHECK (size_bytes > 0),
    sealed          bytea,  -- seal.Box output: "v1:<base64>", or "v0:" and the raw bytes without a key
    uploaded_at     timestamptz NOT NULL DEFAULT now(),
    deleted_at      timestamptz,
    deleted_by      text,   -- 'retention' (the job), or the username of the guardian who withdrew the request
    PRIMARY KEY (installation_id, request_id),
    FOREIGN KEY (installation_id, request_id) REFERENCES diet_requests (installation_id, id),
    CHECK ((sealed IS NULL) = (deleted_at IS NOT NULL))
);

-- +goose Down
DROP TABLE diet_certificates;
DROP TABLE diet_requests;
DROP TABLE diet_settings;
DELETE FROM staff_permissions WHERE permission = 'salute';
ALTER TABLE staff_permissions DROP CONSTRAINT staff_permissions_permission_check;
ALTER TABLE staff_permissions ADD CONSTRAINT staff_permissions_permission_check
    CHECK (permission IN ('anagrafica', 'presenze', 'cassa', 'comunicazioni'));
