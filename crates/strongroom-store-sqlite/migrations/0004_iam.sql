-- IAM users and their inline policies. A user's access keys are rows of access_keys (owner_user = name).
-- name_key is the name in ASCII lower case: names are unique per account without regard to case.
-- Tags are one column in the encoding of strongroom_store::kms::encode_tags.

CREATE TABLE iam_users (
    user_id       TEXT    NOT NULL PRIMARY KEY,
    account_id    TEXT    NOT NULL REFERENCES accounts (account_id),
    name          TEXT    NOT NULL,
    name_key      TEXT    NOT NULL,
    path          TEXT    NOT NULL,
    created_at_ms INTEGER NOT NULL,
    tags          TEXT    NOT NULL,
    revision      INTEGER NOT NULL CHECK (revision >= 1),
    UNIQUE (account_id, name_key)
) STRICT;

CREATE INDEX access_keys_by_owner ON access_keys (account_id, owner_user);

CREATE TABLE iam_user_policies (
    user_id     TEXT NOT NULL REFERENCES iam_users (user_id),
    policy_name TEXT NOT NULL,
    document    TEXT NOT NULL,
    PRIMARY KEY (user_id, policy_name)
) STRICT;
