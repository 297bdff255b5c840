-- Customer managed IAM policies, their versions and their attachments to users; IAM groups, their members,
-- inline policies and attached managed policies.
-- name_key is the name in ASCII lower case: names are unique per account without regard to case.
-- next_version is the number the next version gets: version numbers are never reused within a policy.

CREATE TABLE iam_policies (
    policy_id       TEXT    NOT NULL PRIMARY KEY,
    account_id      TEXT    NOT NULL REFERENCES accounts (account_id),
    name            TEXT    NOT NULL,
    name_key        TEXT    NOT NULL,
    path            TEXT    NOT NULL,
    description     TEXT,
    created_at_ms   INTEGER NOT NULL,
    updated_at_ms   INTEGER NOT NULL,
    default_version INTEGER NOT NULL CHECK (default_version >= 1),
    next_version    INTEGER NOT NULL CHECK (next_version >= 2),
    tags            TEXT    NOT NULL,
    UNIQUE (account_id, name_key)
) STRICT;

CREATE TABLE iam_policy_versions (
    policy_id     TEXT    NOT NULL REFERENCES iam_policies (policy_id),
    version       INTEGER NOT NULL CHECK (version >= 1),
    document      TEXT    NOT NULL,
    created_at_ms INTEGER NOT NULL,
    PRIMARY KEY (policy_id, version)
) STRICT;

CREATE TABLE iam_user_policy_attachments (
    user_id   TEXT NOT NULL REFERENCES iam_users (user_id),
    policy_id TEXT NOT NULL REFERENCES iam_policies (policy_id),
    PRIMARY KEY (user_id, policy_id)
) STRICT;

CREATE INDEX iam_user_policy_attachments_by_policy ON iam_user_policy_attachments (policy_id);

CREATE TABLE iam_groups (
    group_id      TEXT NOT NULL PRIMARY KEY,
    account_id    TEXT NOT NULL REFERENCES accounts (account_id),
    name          TEXT NOT NULL,
    name_key      TEXT NOT NULL,
    path          TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    UNIQUE (account_id, name_key)
) STRICT;

CREATE TABLE iam_group_members (
    group_id TEXT NOT NULL REFERENCES iam_groups (group_id),
    user_id  TEXT NOT NULL REFERENCES iam_users (user_id),
    PRIMARY KEY (group_id, user_id)
) STRICT;

CREATE INDEX iam_group_members_by_user ON iam_group_members (user_id);

CREATE TABLE iam_group_policies (
    group_id    TEXT NOT NULL REFERENCES iam_groups (group_id),
    policy_name TEXT NOT NULL,
    document    TEXT NOT NULL,
    PRIMARY KEY (group_id, policy_name)
) STRICT;

CREATE TABLE iam_group_policy_attachments (
    group_id  TEXT NOT NULL REFERENCES iam_groups (group_id),
    policy_id TEXT NOT NULL REFERENCES iam_policies (policy_id),
    PRIMARY KEY (group_id, policy_id)
) STRICT;

CREATE INDEX iam_group_policy_attachments_by_policy ON iam_group_policy_attachments (policy_id);
