-- The private CA (acm-pca): certificate authorities and the certificates they issued.
-- A CA's description beyond its indexed columns is the service's `document`; its private key is sealed.

CREATE TABLE pca_authorities (
    arn             TEXT    NOT NULL PRIMARY KEY,
    account_id      TEXT    NOT NULL,
    region          TEXT    NOT NULL,
    revision        INTEGER NOT NULL CHECK (revision >= 1),
    created_at_ms   INTEGER NOT NULL,
    status          TEXT    NOT NULL,
    document        TEXT    NOT NULL,
    sealed_key      BLOB    NOT NULL,
    csr_der         BLOB    NOT NULL,
    certificate_der BLOB,
    chain_pem       TEXT,
    crl_der         BLOB
) STRICT;

CREATE INDEX pca_authorities_by_owner ON pca_authorities (account_id, region, arn);

CREATE TABLE pca_certificates (
    ca_arn            TEXT    NOT NULL REFERENCES pca_authorities (arn) ON DELETE CASCADE,
    serial            TEXT    NOT NULL,
    certificate_der   BLOB    NOT NULL,
    issued_at_ms      INTEGER NOT NULL,
    not_after_ms      INTEGER NOT NULL,
    idempotency_token TEXT,
    revoked_at_ms     INTEGER,
    revocation_reason TEXT,
    PRIMARY KEY (ca_arn, serial)
) STRICT, WITHOUT ROWID;

CREATE UNIQUE INDEX pca_certificates_by_token ON pca_certificates (ca_arn, idempotency_token)
    WHERE idempotency_token IS NOT NULL;
CREATE INDEX pca_certificates_revoked ON pca_certificates (ca_arn, serial) WHERE revoked_at_ms IS NOT NULL;
