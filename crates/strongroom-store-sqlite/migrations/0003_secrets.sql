-- Secrets Manager: one row per secret (its whole record but the values), one row per sealed version value.
--
-- The nested fields are JSON text written by strongroom_store::secrets_codec: `tags` (NULL: never tagged),
-- `rotation` (NULL: never configured), `replicas` and `versions` (arrays, versions oldest first, without their
-- last-accessed days). Last-accessed days are kept apart from the revisioned record: `last_accessed_at_ms`
-- for the secret and `version_access`, a JSON object {version_id: day_ms}, for its versions; only
-- record_secret_access moves them (forward), and an update only drops the entries of versions it removed.
--
-- Names are unique per (account, region) among stored secrets: a purge deletes the row, so the name is free
-- again. Every listing order has a keyset index: (created_at_ms, arn) and name, each once over all secrets
-- (include_deleted) and once, partial, over the ones not scheduled for deletion (the default listing), so a
-- page is an index range scan however many secrets are deleted.

CREATE TABLE secrets (
    arn                 TEXT    NOT NULL PRIMARY KEY,
    account_id          TEXT    NOT NULL,
    region              TEXT    NOT NULL,
    name                TEXT    NOT NULL,
    revision            INTEGER NOT NULL CHECK (revision >= 0),
    created_at_ms       INTEGER NOT NULL,
    last_changed_at_ms  INTEGER NOT NULL,
    last_accessed_at_ms INTEGER,
    deleted_at_ms       INTEGER,
    purge_at_ms         INTEGER,
    description         TEXT,
    kms_key_id          TEXT,
    secret_type         TEXT,
    owning_service      TEXT,
    tags                TEXT,
    resource_policy     TEXT,
    rotation            TEXT,
    primary_region      TEXT,
    replicas            TEXT    NOT NULL,
    versions            TEXT    NOT NULL,
    version_access      TEXT    NOT NULL DEFAULT '{}',
    UNIQUE (account_id, region, name)
) STRICT;

CREATE INDEX secrets_by_created ON secrets (account_id, region, created_at_ms, arn);
CREATE INDEX secrets_live_by_created ON secrets (account_id, region, created_at_ms, arn)
    WHERE deleted_at_ms IS NULL;
CREATE INDEX secrets_live_by_name ON secrets (account_id, region, name)
    WHERE deleted_at_ms IS NULL;
CREATE INDEX secrets_by_purge_at ON secrets (purge_at_ms, arn)
    WHERE purge_at_ms IS NOT NULL;

CREATE TABLE secret_values (
    secret_arn TEXT NOT NULL REFERENCES secrets (arn) ON DELETE CASCADE,
    version_id TEXT NOT NULL,
    sealed     BLOB NOT NULL,
    PRIMARY KEY (secret_arn, version_id)
) STRICT;
