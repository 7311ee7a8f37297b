-- +goose Up
-- What each member of staff may change, beyond reading the staff area
-- (issue "The office's whole year"). Administrators may do everything.
-- Existing staff keep every permission they had in practice.
CREATE TABLE staff_permissions (
    installation_id bigint NOT NULL,
    account_id      bigint NOT NULL,
    permission      text NOT NULL CHECK (permission IN ('anagrafica', 'presenze', 'cassa', 'comunicazioni')),
    PRIMARY KEY (installation_id, account_id, permission),
    FOREIGN KEY (installation_id, account_id) REFERENCES accounts (installation_id, id) ON DELETE CASCADE
);
INSERT INTO staff_permissions (installation_id, account_id, permission)
SELECT a.installation_id, a.id, p FROM accounts a
CROSS JOIN unnest(ARRAY['anagrafica', 'presenze', 'cassa', 'comunicazioni']) AS p
WHERE a.role = 'staff';

-- +goose Down
DROP TABLE staff_permissions;
