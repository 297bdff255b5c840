-- IAM roles, their inline policies and attached managed policies.
-- name_key is the name in ASCII lower case: names are unique per account without regard to case.

CREATE TABLE iam_roles (
    role_id              TEXT    NOT NULL PRIMARY KEY,
    account_id           TEXT    NOT NULL REFERENCES accounts (account_id),
    name                 TEXT    NOT NULL,
    name_key             TEXT    NOT NULL,
    path                 TEXT    NOT NULL,
    description          TEXT,
    assume_role_policy   TEXT    NOT NULL,
    max_session_duration INTEGER NOT NULL CHECK (max_session_duration >= 3600),
    created_at_ms        INTEGER NOT NULL,
    tags                 TEXT    NOT NULL,
    UNIQUE (account_id, name_key)
) STRICT;

CREATE TABLE iam_role_policies (
    role_id     TEXT NOT NULL REFERENCES iam_roles (role_id),
    policy_name TEXT NOT NULL,
    document    TEXT NOT NULL,
    PRIMARY KEY (role_id, policy_name)
) STRICT;

CREATE TABLE iam_role_policy_attachments (
    role_id   TEXT NOT NULL REFERENCES iam_roles (role_id),
    policy_id TEXT NOT NULL REFERENCES iam_policies (policy_id),
    PRIMARY KEY (role_id, policy_id)
) STRICT;

CREATE INDEX iam_role_policy_attachments_by_policy ON iam_role_policy_attachments (policy_id);
