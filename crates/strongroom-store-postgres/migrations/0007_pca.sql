-- The private CA (acm-pca): certificate authorities and the certificates they issued.
-- A CA's description beyond its indexed columns is the service's `document`; its private key is sealed.

CREATE TABLE pca_authorities (
    arn             TEXT        COLLATE "C" NOT NULL PRIMARY KEY,
    account_id      TEXT        COLLATE "C" NOT NULL,
    region          TEXT        COLLATE "C" NOT NULL,
    revision        BIGINT      NOT NULL CHECK (revision >= 1),
    created_at      TIMESTAMPTZ NOT NULL,
    status          TEXT        NOT NULL,
    document        TEXT        NOT NULL,
    sealed_key      BYTEA       NOT NULL,
    csr_der         BYTEA       NOT NULL,
    certificate_der BYTEA,
    chain_pem       TEXT,
    crl_der         BYTEA
);

CREATE INDEX pca_authorities_by_owner ON pca_authorities (account_id, region, arn);

CREATE TABLE pca_certificates (
    ca_arn            TEXT        COLLATE "C" NOT NULL REFERENCES pca_authorities (arn) ON DELETE CASCADE,
    serial            TEXT        COLLATE "C" NOT NULL,
    certificate_der   BYTEA       NOT NULL,
    issued_at         TIMESTAMPTZ NOT NULL,
    not_after         TIMESTAMPTZ NOT NULL,
    idempotency_token TEXT,
    revoked_at        TIMESTAMPTZ,
    revocation_reason TEXT,
    PRIMARY KEY (ca_arn, serial)
);

CREATE UNIQUE INDEX pca_certificates_by_token ON pca_certificates (ca_arn, idempotency_token)
    WHERE idempotency_token IS NOT NULL;
