-- +goose Up
-- Account linking (issue 12): a self-registered account is linked to a
-- registry adult only after proof. A codice fiscale alone proves nothing (it
-- is printed on every health card), so until the proof the account has no
-- adult_id and sees no family data. accounts.adult_id set means a proven link.

-- How the link of an account to its adult was proven:
--   contact_code  a one-time code sent to the registry's e-mail or mobile of the adult
--   spid cie cns cst  the identity provider proved the codice fiscale
--   identity      the same, made before this column existed (method not recorded)
--   office        confirmed by the office (the queue), made by staff, or made before
--                 this column existed by other means than the self-registration
--   seed          demo data
ALTER TABLE accounts ADD COLUMN link_proof text
    CHECK (link_proof IN ('contact_code', 'spid', 'cie', 'cns', 'cst', 'identity', 'office', 'seed'));

-- A self-registered account waiting to be linked: what the parent typed (the
-- evidence the office reads), the registry adult the codice fiscale matched
-- (NULL: not in the registry), and the one-time code sent to that adult's
-- registry contacts. The code is made by the delivery job at send time and
-- stored only as argon2id; code_attempts counts the guesses at this code,
-- reserved before each check. code_sent_to is the masked contacts shown to
-- the parent, never the contacts themselves.
CREATE TABLE link_requests (
    installation_id bigint NOT NULL REFERENCES installations (id),
    id              bigint GENERATED ALWAYS AS IDENTITY,
    account_id      bigint NOT NULL,
    adult_id        bigint,
    fiscal_code     text NOT NULL,
    first_name      text NOT NULL DEFAULT '',
    last_name       text NOT NULL DEFAULT '',
    email           text NOT NULL DEFAULT '',
    mobile          text NOT NULL DEFAULT '',
    ip              text NOT NULL DEFAULT '',
    user_agent      text NOT NULL DEFAULT '',
    source          text NOT NULL CHECK (source IN ('registration', 'migration')),
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'linked', 'refused', 'closed')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    decided_at      timestamptz,
    decided_by      bigint,             -- staff account, NULL when the parent's code decided
    code_hash       text,
    code_expires_at timestamptz,
    code_attempts   int NOT NULL DEFAULT 0,
    code_sent_to    text NOT NULL DEFAULT '',
    PRIMARY KEY (installation_id, id),
    FOREIGN KEY (installation_id, account_id) REFERENCES accounts (installation_id, id) ON DELETE CASCADE,
    FOREIGN KEY (installation_id, adult_id) REFERENCES adults (installation_id, id),
    CHECK ((code_hash IS NULL) = (code_expires_at IS NULL))
);
-- one open request per account; the office's queue; the requests on an adult
CREATE UNIQUE INDEX link_requests_pending ON link_requests (installation_id, account_id) WHERE status = 'pending';
CREATE INDEX link_requests_queue ON link_requests (installation_id, created_at) WHERE status = 'pending';
CREATE INDEX link_requests_adult ON link_requests (installation_id, adult_id) WHERE status = 'pending';

-- Links and codice fiscale claims made by the self-registration before this
-- migration were never proven: they become requests for the office's queue
-- (the parent can also prove them with a code), and the account stops seeing
-- the family until then. A self-registered account is known by its audit
-- event or by the credentials message the registration sent.
CREATE TEMPORARY TABLE unproven ON COMMIT DROP AS
SELECT a.installation_id, a.id AS account_id, a.adult_id,
       coalesce(a.linked_fiscal_code, ad.fiscal_code) AS fiscal_code, a.display_name, a.email, a.mobile, a.created_at
FROM accounts a
LEFT JOIN adults ad ON ad.installation_id = a.installation_id AND ad.id = a.adult_id
WHERE a.role = 'parent'
  AND (a.adult_id IS NOT NULL OR a.linked_fiscal_code IS NOT NULL)
  AND (EXISTS (SELECT 1 FROM audit_log l WHERE l.installation_id = a.installation_id AND l.account_id = a.id
                AND l.action = 'register' AND l.outcome = 'success')
    OR EXISTS (SELECT 1 FROM messages m WHERE m.installation_id = a.installation_id AND m.account_id = a.id
                AND m.kind = 'registration'))
  -- unless the holder has since signed in to it with SPID, CIE, CNS or CST
  AND NOT EXISTS (SELECT 1 FROM audit_log l WHERE l.installation_id = a.installation_id AND l.account_id = a.id
                AND l.action = 'login' AND l.outcome = 'success' AND l.detail->>'method' IN ('spid', 'cie', 'cns', 'cst'));

INSERT INTO link_requests (installation_id, account_id, adult_id, fiscal_code, first_name, email, mobile, source, created_at)
SELECT installation_id, account_id, adult_id, fiscal_code, display_name, email, mobile, 'migration', created_at
FROM unproven;

UPDATE accounts a SET adult_id = NULL, linked_fiscal_code = NULL
FROM unproven u WHERE a.installation_id = u.installation_id AND a.id = u.account_id;

-- Links proven by an identity provider: accounts it created have no local
-- password (a self-registered one with a generated password has none either
-- until it is changed: those were moved above), and accounts it signed in to.
UPDATE accounts a SET link_proof = 'identity'
WHERE a.adult_id IS NOT NULL AND a.role = 'parent'
  AND (a.password_hash IS NULL
    OR EXISTS (SELECT 1 FROM audit_log l WHERE l.installation_id = a.installation_id AND l.account_id = a.id
                AND l.action = 'login' AND l.outcome = 'success' AND l.detail->>'method' IN ('spid', 'cie', 'cns', 'cst')));

-- Every other existing link was made by the Comune (staff, import, seed).
UPDATE accounts SET link_proof = 'office' WHERE adult_id IS NOT NULL AND link_proof IS NULL;

-- +goose Down
UPDATE accounts a SET adult_id = r.adult_id, linked_fiscal_code = r.fiscal_code
FROM link_requests r
WHERE r.source = 'migration' AND r.status = 'pending' AND a.installation_id = r.installation_id AND a.id = r.account_id;
DROP TABLE link_requests;
ALTER TABLE accounts DROP COLUMN link_proof;
