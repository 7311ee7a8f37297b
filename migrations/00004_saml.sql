-- +goose Up
-- Sign-in with SPID, CIE and a Comune's own SAML identity provider (CST).

-- Per-installation SAML settings, one row per installation (a missing row
-- means every default). Kept out of `installations` so that its
-- `SELECT *` scans stay untouched by this feature.
CREATE TABLE installation_saml (
    installation_id  bigint PRIMARY KEY REFERENCES installations (id),
    entity_id        text NOT NULL DEFAULT '',   -- '' = {GENITORI_BASE_URL}/{code}
    spid_level       text NOT NULL DEFAULT 'https://www.spid.gov.it/SpidL2'
        CHECK (spid_level IN ('https://www.spid.gov.it/SpidL1', 'https://www.spid.gov.it/SpidL2', 'https://www.spid.gov.it/SpidL3')),
    spid_comparison  text NOT NULL DEFAULT 'minimum'
        CHECK (spid_comparison IN ('exact', 'minimum', 'better', 'maximum')),
    cie_level        text NOT NULL DEFAULT 'https://www.spid.gov.it/SpidL3'
        CHECK (cie_level IN ('https://www.spid.gov.it/SpidL1', 'https://www.spid.gov.it/SpidL2', 'https://www.spid.gov.it/SpidL3')),
    -- metadata: Organization and ContactPerson ('' = the installation's controller_* data)
    organization_name text NOT NULL DEFAULT '',
    organization_url  text NOT NULL DEFAULT '',
    contact_email     text NOT NULL DEFAULT '',  -- an office address, never a person's
    contact_phone     text NOT NULL DEFAULT '',  -- +39..., no spaces
    locality          text NOT NULL DEFAULT '',  -- for the SP certificate subject
    belfiore_code     text NOT NULL DEFAULT '' CHECK (belfiore_code = '' OR belfiore_code ~ '^[A-Z][0-9]{3}$'), -- CIE Municipality
    province          text NOT NULL DEFAULT '' CHECK (province = '' OR province ~ '^[A-Z]{2}$'),
    -- CST mode through SAML: the metadata XML of the Comune's identity provider
    cst_idp_metadata  text NOT NULL DEFAULT '',
    cst_demo_idp      boolean NOT NULL DEFAULT false  -- demo only: use the built-in test IdP (GENITORI_DEMO_IDP=true)
);

-- AuthnRequests and LogoutRequests the portal sent, until answered. The
-- IdP's answer is a cross-site POST without the session cookie: it is tied
-- to its request by InResponseTo (signed) and RelayState (an opaque random
-- handle, stored only as its SHA-256). used_at makes each request good for
-- exactly one answer (no replays).
CREATE TABLE saml_requests (
    installation_id bigint NOT NULL REFERENCES installations (id),
    id              text NOT NULL,               -- the request's ID attribute
    kind            text NOT NULL CHECK (kind IN ('authn', 'logout')),
    method          text NOT NULL CHECK (method IN ('spid', 'cie', 'cst')),
    relay_hash      bytea NOT NULL,
    idp_entity_id   text NOT NULL,
    acs_url         text NOT NULL,
    level           text NOT NULL DEFAULT '',
    comparison      text NOT NULL DEFAULT '',
    issued_at       timestamptz NOT NULL,
    expires_at      timestamptz NOT NULL,
    used_at         timestamptz,
    PRIMARY KEY (installation_id, id),
    UNIQUE (installation_id, relay_hash)
);
CREATE INDEX saml_requests_expires ON saml_requests (expires_at);

-- SAML sign-ins, for single logout: the IdP's NameID and SessionIndex, and
-- the portal session they opened (its token hash, as in `sessions`).
CREATE TABLE saml_logins (
    installation_id    bigint NOT NULL,
    id                 bigint GENERATED ALWAYS AS IDENTITY,
    account_id         bigint NOT NULL,
    method             text NOT NULL CHECK (method IN ('spid', 'cie', 'cst')),
    idp_entity_id      text NOT NULL,
    name_id            text NOT NULL,
    session_index      text NOT NULL DEFAULT '',
    session_token_hash bytea,
    created_at         timestamptz NOT NULL DEFAULT now(),
    ended_at           timestamptz,
    PRIMARY KEY (installation_id, id),
    FOREIGN KEY (installation_id, account_id) REFERENCES accounts (installation_id, id) ON DELETE CASCADE
);
CREATE INDEX saml_logins_name_id ON saml_logins (installation_id, idp_entity_id, name_id);

-- +goose Down
DROP TABLE saml_logins, saml_requests, installation_saml;
