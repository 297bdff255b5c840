-- IAM Roles Anywhere: trust anchors, profiles, imported CRLs and subjects, one row each.
-- `document` is the record's JSON (strongroom_store::rolesanywhere_codec); `lookup` is a CRL's trust anchor
-- ARN or a subject's DN; `data` a CRL's bytes.

CREATE TABLE rolesanywhere_resources (
    id          TEXT    NOT NULL PRIMARY KEY,
    kind        TEXT    NOT NULL CHECK (kind IN ('trust-anchor', 'profile', 'crl', 'subject')),
    arn         TEXT    NOT NULL UNIQUE,
    account_id  TEXT    NOT NULL REFERENCES accounts (account_id),
    region      TEXT    NOT NULL,
    revision    INTEGER NOT NULL CHECK (revision >= 1),
    lookup      TEXT,
    document    TEXT    NOT NULL,
    data        BLOB
) STRICT;

CREATE INDEX rolesanywhere_by_owner ON rolesanywhere_resources (kind, account_id, region, id);
CREATE INDEX rolesanywhere_by_lookup ON rolesanywhere_resources (kind, lookup, id);
CREATE UNIQUE INDEX rolesanywhere_subjects ON rolesanywhere_resources (account_id, region, lookup)
    WHERE kind = 'subject';
