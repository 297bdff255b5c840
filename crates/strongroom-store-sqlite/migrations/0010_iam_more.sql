-- Permissions boundaries of users and roles, compare-and-set on roles, and when each access key was last used.
-- permissions_boundary is the ARN of a managed policy of the account (NULL: none); a policy that is some
-- principal's boundary cannot be deleted. Existing roles start at revision 1.
-- The last-used columns move only forward in time; all three are NULL until the key is first used.

ALTER TABLE iam_users ADD COLUMN permissions_boundary TEXT;

ALTER TABLE iam_roles ADD COLUMN permissions_boundary TEXT;
ALTER TABLE iam_roles ADD COLUMN revision INTEGER NOT NULL DEFAULT 1 CHECK (revision >= 1);

CREATE INDEX iam_users_by_boundary ON iam_users (permissions_boundary) WHERE permissions_boundary IS NOT NULL;
CREATE INDEX iam_roles_by_boundary ON iam_roles (permissions_boundary) WHERE permissions_boundary IS NOT NULL;

ALTER TABLE access_keys ADD COLUMN last_used_at_ms INTEGER;
ALTER TABLE access_keys ADD COLUMN last_used_service TEXT;
ALTER TABLE access_keys ADD COLUMN last_used_region TEXT;
