-- Secrets Manager: one row per secret (its whole record but the values), one row per sealed version value.
--
-- The nested fields are JSON text written by strongroom_store::secrets_codec: `tags` (NULL: never tagged),
-- `rotation` (NULL: never configured), `replicas` and `versions` (arrays, versions oldest first, without their
-- last-accessed days); as TEXT they come back byte for byte. Last-accessed days are kept apart from the
-- revisioned record: `last_accessed_at` for the secret and `version_access`, a JSONB object
-- {version_id: day in Unix ms}, for its versions; only record_secret_access moves them (forward), and an
-- update only drops the entries of versions it removed.
--
-- Names are unique per (account, region) among stored secrets: a purge deletes the row, so the name is free
-- again. Every listing order has a keyset index: (created_at, arn) and name, each once over all secrets
-- (include_deleted) and once, partial, over the ones not scheduled for deletion (the default listing).
-- Listed identifiers use the "C" collation: bytewise order, as Rust and the SQLite backend sort.

CREATE TABLE secrets (
    arn              TEXT        COLLATE "C" NOT NULL PRIMARY KEY,
    account_id       TEXT        COLLATE "C" NOT NULL,
    region           TEXT        COLLATE "C" NOT NULL,
    name             TEXT        COLLATE "C" NOT NULL,
    revision         BIGINT      NOT NULL CHECK (revision >= 0),
    created_at       TIMESTAMPTZ NOT NULL,
    last_changed_at  TIMESTAMPTZ NOT NULL,
    last_accessed_at TIMESTAMPTZ,
    deleted_at       TIMESTAMPTZ,
    purge_at         TIMESTAMPTZ,
    description      TEXT,
    kms_key_id       TEXT,
    secret_type      TEXT,
    owning_service   TEXT,
    tags             TEXT,
    resource_policy  TEXT,
    rotation         TEXT,
    primary_region   TEXT,
    replicas         TEXT        NOT NULL,
    versions         TEXT        NOT NULL,
    version_access   JSONB       NOT NULL DEFAULT '{}',
    CONSTRAINT secrets_name_key UNIQUE (account_id, region, name)
);

CREATE INDEX secrets_by_created ON secrets (account_id, region, created_at, arn);
CREATE INDEX secrets_live_by_created ON secrets (account_id, region, created_at, arn)
    WHERE deleted_at IS NULL;
CREATE INDEX secrets_live_by_name ON secrets (account_id, region, name)
    WHERE deleted_at IS NULL;
CREATE INDEX secrets_by_purge_at ON secrets (purge_at, arn)
    WHERE purge_at IS NOT NULL;

CREATE TABLE secret_values (
    secret_arn TEXT  COLLATE "C" NOT NULL REFERENCES secrets (arn) ON DELETE CASCADE,
    version_id TEXT  NOT NULL,
    sealed     BYTEA NOT NULL,
    PRIMARY KEY (secret_arn, version_id)
);
