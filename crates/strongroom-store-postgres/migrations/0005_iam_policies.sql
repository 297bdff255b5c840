-- Customer managed IAM policies, their versions and their attachments to users; IAM groups, their members,
-- inline policies and attached managed policies.
-- name_key is the name in ASCII lower case: names are unique per account without regard to case.
-- next_version is the number the next version gets: version numbers are never reused within a policy.

CREATE TABLE iam_policies (
    policy_id       TEXT        COLLATE "C" NOT NULL PRIMARY KEY,
    account_id      TEXT        COLLATE "C" NOT NULL REFERENCES accounts (account_id),
    name            TEXT        COLLATE "C" NOT NULL,
    name_key        TEXT        COLLATE "C" NOT NULL,
    path            TEXT        COLLATE "C" NOT NULL,
    description     TEXT,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    default_version BIGINT      NOT NULL CHECK (default_version >= 1),
    next_version    BIGINT      NOT NULL CHECK (next_version >= 2),
    tags            TEXT        NOT NULL,
    UNIQUE (account_id, name_key)
);

CREATE TABLE iam_policy_versions (
    policy_id  TEXT        COLLATE "C" NOT NULL REFERENCES iam_policies (policy_id),
    version    BIGINT      NOT NULL CHECK (version >= 1),
    document   TEXT        NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (policy_id, version)
);

CREATE TABLE iam_user_policy_attachments (
    user_id   TEXT COLLATE "C" NOT NULL REFERENCES iam_users (user_id),
    policy_id TEXT COLLATE "C" NOT NULL REFERENCES iam_policies (policy_id),
    PRIMARY KEY (user_id, policy_id)
);

CREATE INDEX iam_user_policy_attachments_by_policy ON iam_user_policy_attachments (policy_id);

CREATE TABLE iam_groups (
    group_id      TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    account_id    TEXT COLLATE "C" NOT NULL REFERENCES accounts (account_id),
    name          TEXT COLLATE "C" NOT NULL,
    name_key      TEXT COLLATE "C" NOT NULL,
    path          TEXT COLLATE "C" NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    UNIQUE (account_id, name_key)
);

CREATE TABLE iam_group_members (
    group_id TEXT COLLATE "C" NOT NULL REFERENCES iam_groups (group_id),
    user_id  TEXT COLLATE "C" NOT NULL REFERENCES iam_users (user_id),
    PRIMARY KEY (group_id, user_id)
);

CREATE INDEX iam_group_members_by_user ON iam_group_members (user_id);

CREATE TABLE iam_group_policies (
    group_id    TEXT COLLATE "C" NOT NULL REFERENCES iam_groups (group_id),
    policy_name TEXT COLLATE "C" NOT NULL,
    document    TEXT NOT NULL,
    PRIMARY KEY (group_id, policy_name)
);

CREATE TABLE iam_group_policy_attachments (
    group_id  TEXT COLLATE "C" NOT NULL REFERENCES iam_groups (group_id),
    policy_id TEXT COLLATE "C" NOT NULL REFERENCES iam_policies (policy_id),
    PRIMARY KEY (group_id, policy_id)
);

CREATE INDEX iam_group_policy_attachments_by_policy ON iam_group_policy_attachments (policy_id);
