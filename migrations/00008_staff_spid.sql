-- +goose Up
-- Staff may sign in with SPID or CIE where the installation allows it: the
-- identity provider proves the codice fiscale, which is matched to the
-- staff account's own (staff are not in the families' registry). SPID level
-- 2 and CIE are already two factors, so no TOTP code is asked then.
ALTER TABLE installations ADD COLUMN staff_spid boolean NOT NULL DEFAULT false;
ALTER TABLE accounts ADD COLUMN staff_fiscal_code text
    CHECK (staff_fiscal_code ~ '^[A-Z0-9]{16}$');
CREATE UNIQUE INDEX accounts_staff_fiscal_code ON accounts (installation_id, staff_fiscal_code)
    WHERE staff_fiscal_code IS NOT NULL;

-- +goose Down
DROP INDEX accounts_staff_fiscal_code;
ALTER TABLE accounts DROP COLUMN staff_fiscal_code;
ALTER TABLE installations DROP COLUMN staff_spid;
