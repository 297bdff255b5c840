-- Strongroom store, PostgreSQL backend: initial schema.
-- Tables are created unqualified, in the first schema of the connection's search_path.
-- Timestamps are TIMESTAMPTZ holding whole milliseconds. Secrets appear only as sealed ciphertext (BYTEA).
-- Identifiers that are listed in order use the "C" collation, so that the order is bytewise (as Rust sorts
-- strings, and as the SQLite backend orders them) whatever the database's default collation is.

CREATE TABLE accounts (
    account_id TEXT        COLLATE "C" NOT NULL PRIMARY KEY,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE access_keys (
    access_key_id TEXT        NOT NULL PRIMARY KEY,
    account_id    TEXT        COLLATE "C" NOT NULL REFERENCES accounts (account_id),
    -- NULL: the account's root user; otherwise the IAM user's name.
    owner_user    TEXT,
    status        TEXT        NOT NULL CHECK (status IN ('Active', 'Inactive')),
    sealed_secret BYTEA       NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL
);

CREATE INDEX access_keys_by_account ON access_keys (account_id);

CREATE TABLE system_keys (
    name            TEXT        NOT NULL PRIMARY KEY,
    sealed_material BYTEA       NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL
);

CREATE TABLE audit_records (
    chain_id    TEXT        COLLATE "C" NOT NULL,
    seq         BIGINT      NOT NULL CHECK (seq >= 0),
    recorded_at TIMESTAMPTZ NOT NULL,
    body        TEXT        NOT NULL,
    mac         BYTEA       NOT NULL,
    PRIMARY KEY (chain_id, seq)
);
