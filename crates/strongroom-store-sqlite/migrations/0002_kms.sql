-- KMS keys, their material versions (sealed under the root key) and aliases.
-- A key's tags are one column in the encoding of strongroom_store::kms::encode_tags.

CREATE TABLE kms_keys (
    key_id               TEXT    NOT NULL PRIMARY KEY,
    arn                  TEXT    NOT NULL UNIQUE,
    account_id           TEXT    NOT NULL,
    region               TEXT    NOT NULL,
    revision             INTEGER NOT NULL CHECK (revision >= 1),
    created_at_ms        INTEGER NOT NULL,
    description          TEXT    NOT NULL,
    key_usage            TEXT    NOT NULL,
    key_spec             TEXT    NOT NULL,
    key_manager          TEXT    NOT NULL CHECK (key_manager IN ('CUSTOMER', 'AWS')),
    state                TEXT    NOT NULL CHECK (state IN ('Enabled', 'Disabled', 'PendingDeletion')),
    deletion_at_ms       INTEGER,
    pending_window_days  INTEGER,
    policy               TEXT,
    tags                 TEXT    NOT NULL,
    rotation_enabled     INTEGER NOT NULL CHECK (rotation_enabled IN (0, 1)),
    rotation_period_days INTEGER,
    next_rotation_at_ms  INTEGER,
    current_version      INTEGER NOT NULL CHECK (current_version >= 1)
) STRICT;

CREATE INDEX kms_keys_by_owner ON kms_keys (account_id, region, key_id);
CREATE INDEX kms_keys_by_deletion ON kms_keys (deletion_at_ms) WHERE state = 'PendingDeletion';
CREATE INDEX kms_keys_by_rotation ON kms_keys (next_rotation_at_ms)
    WHERE rotation_enabled = 1 AND state = 'Enabled';

CREATE TABLE kms_key_versions (
    key_id          TEXT    NOT NULL REFERENCES kms_keys (key_id) ON DELETE CASCADE,
    version         INTEGER NOT NULL CHECK (version >= 1),
    sealed_material BLOB    NOT NULL,
    created_at_ms   INTEGER NOT NULL,
    PRIMARY KEY (key_id, version)
) STRICT, WITHOUT ROWID;

CREATE TABLE kms_aliases (
    account_id    TEXT    NOT NULL,
    region        TEXT    NOT NULL,
    name          TEXT    NOT NULL,
    target_key_id TEXT    NOT NULL REFERENCES kms_keys (key_id) ON DELETE CASCADE,
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL,
    PRIMARY KEY (account_id, region, name)
) STRICT, WITHOUT ROWID;

CREATE INDEX kms_aliases_by_key ON kms_aliases (target_key_id);
