-- IAM users and their inline policies. A user's access keys are rows of access_keys (owner_user = name).
-- name_key is the name in ASCII lower case: names are unique per account without regard to case.
-- Tags are one column in the encoding of strongroom_store::kms::encode_tags.

CREATE TABLE iam_users (
    user_id    TEXT        COLLATE "C" NOT NULL PRIMARY KEY,
    account_id TEXT        COLLATE "C" NOT NULL REFERENCES accounts (account_id),
    name       TEXT        COLLATE "C" NOT NULL,
    name_key   TEXT        COLLATE "C" NOT NULL,
    path       TEXT        COLLATE "C" NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    tags       TEXT        NOT NULL,
    revision   BIGINT      NOT NULL CHECK (revision >= 1),
    UNIQUE (account_id, name_key)
);

CREATE INDEX access_keys_by_owner ON access_keys (account_id, owner_user);

CREATE TABLE iam_user_policies (
    user_id     TEXT COLLATE "C" NOT NULL REFERENCES iam_users (user_id),
    policy_name TEXT COLLATE "C" NOT NULL,
    document    TEXT NOT NULL,
    PRIMARY KEY (user_id, policy_name)
);
