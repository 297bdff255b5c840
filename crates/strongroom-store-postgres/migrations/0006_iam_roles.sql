-- IAM roles, their inline policies and attached managed policies.
-- name_key is the name in ASCII lower case: names are unique per account without regard to case.

CREATE TABLE iam_roles (
    role_id              TEXT        COLLATE "C" NOT NULL PRIMARY KEY,
    account_id           TEXT        COLLATE "C" NOT NULL REFERENCES accounts (account_id),
    name                 TEXT        COLLATE "C" NOT NULL,
    name_key             TEXT        COLLATE "C" NOT NULL,
    path                 TEXT        COLLATE "C" NOT NULL,
    description          TEXT,
    assume_role_policy   TEXT        NOT NULL,
    max_session_duration BIGINT      NOT NULL CHECK (max_session_duration >= 3600),
    created_at           TIMESTAMPTZ NOT NULL,
    tags                 TEXT        NOT NULL,
    UNIQUE (account_id, name_key)
);

CREATE TABLE iam_role_policies (
    role_id     TEXT COLLATE "C" NOT NULL REFERENCES iam_roles (role_id),
    policy_name TEXT COLLATE "C" NOT NULL,
    document    TEXT NOT NULL,
    PRIMARY KEY (role_id, policy_name)
);

CREATE TABLE iam_role_policy_attachments (
    role_id   TEXT COLLATE "C" NOT NULL REFERENCES iam_roles (role_id),
    policy_id TEXT COLLATE "C" NOT NULL REFERENCES iam_policies (policy_id),
    PRIMARY KEY (role_id, policy_id)
);

CREATE INDEX iam_role_policy_attachments_by_policy ON iam_role_policy_attachments (policy_id);
