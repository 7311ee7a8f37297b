-- +goose Up
-- CNS/CRS cards a parent has confirmed for their account: the first time a
-- card signs in, the portal shows the data read from it and asks "Sì"
-- (as the Regione Lombardia page of the manual does); later sign-ins with
-- the same card go straight in. Only the SHA-256 of the card's certificate
-- is kept.
CREATE TABLE cns_cards (
    installation_id bigint NOT NULL,
    account_id      bigint NOT NULL,
    card_hash       bytea NOT NULL CHECK (length(card_hash) = 32),
    confirmed_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (installation_id, account_id, card_hash),
    FOREIGN KEY (installation_id, account_id) REFERENCES accounts (installation_id, id) ON DELETE CASCADE
);

-- +goose Down
DROP TABLE cns_cards;
