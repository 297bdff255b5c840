-- Strongroom store, SQLite backend: initial schema.
-- Timestamps are integer Unix milliseconds (UTC). Secrets appear only as sealed ciphertext (BLOB).

CREATE TABLE accounts (
    account_id    TEXT    NOT NULL PRIMARY KEY,
    created_at_ms INTEGER NOT NULL
) STRICT;

CREATE TABLE access_keys (
    access_key_id TEXT    NOT NULL PRIMARY KEY,
    account_id    TEXT    NOT NULL REFERENCES accounts (account_id),
    -- NULL: the account's root user; otherwise the IAM user's name.
    owner_user    TEXT,
    status        TEXT    NOT NULL CHECK (status IN ('Active', 'Inactive')),
    sealed_secret BLOB    NOT NULL,
    created_at_ms INTEGER NOT NULL
) STRICT;

CREATE INDEX access_keys_by_account ON access_keys (account_id);

CREATE TABLE system_keys (
    name            TEXT    NOT NULL PRIMARY KEY,
    sealed_material BLOB    NOT NULL,
    created_at_ms   INTEGER NOT NULL
) STRICT;

CREATE TABLE audit_records (
    chain_id       TEXT    NOT NULL,
    seq            INTEGER NOT NULL CHECK (seq >= 0),
    recorded_at_ms INTEGER NOT NULL,
    body           TEXT    NOT NULL,
    mac            BLOB    NOT NULL,
    PRIMARY KEY (chain_id, seq)
) STRICT, WITHOUT ROWID;
