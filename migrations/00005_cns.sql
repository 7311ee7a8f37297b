-- +goose Up
-- CNS/CRS smart-card sign-in (issue "Entra con CNS/CRS"). Whether a Comune
-- offers it is login_cns (00001); here the link, shown on the explanation
-- page, where parents download the card software (the card reader driver and
-- middleware of their Region). Empty: GENITORI_CNS_SOFTWARE_URL, or a
-- sentence telling where to find it.
ALTER TABLE installations ADD COLUMN cns_software_url text NOT NULL DEFAULT ''
    CHECK (cns_software_url = '' OR cns_software_url ~ '^https?://');

-- +goose Down
ALTER TABLE installations DROP COLUMN cns_software_url;
