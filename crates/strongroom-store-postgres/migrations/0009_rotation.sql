-- Secret rotation: one job row per secret (schedule and rotation in flight), the rotation function registry,
-- notification subscriptions and their delivery queue (pending rows, delivered ones, and dead letters).
--
-- Work is claimed through leases: a claim is one UPDATE … WHERE … FOR UPDATE SKIP LOCKED of rows whose due
-- time has come and whose lease is free or expired (see strongroom_store::rotation), so that servers
-- sharing the database never claim the same row. The partial indexes cover exactly the rows a claim scans.

CREATE TABLE rotation_jobs (
    secret_arn       TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    account_id       TEXT        NOT NULL,
    region           TEXT        NOT NULL,
    revision         BIGINT      NOT NULL CHECK (revision >= 1),
    due_at           TIMESTAMPTZ,
    window_end       TIMESTAMPTZ,
    token            TEXT,
    step             TEXT CHECK (step IN ('createSecret', 'setSecret', 'testSecret', 'finishSecret')),
    attempts         BIGINT      NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    started_at       TIMESTAMPTZ,
    last_error       TEXT,
    lease_owner      TEXT,
    lease_expires_at TIMESTAMPTZ,
    CHECK ((token IS NULL) = (step IS NULL) AND (token IS NULL) = (started_at IS NULL))
);

CREATE INDEX rotation_jobs_due ON rotation_jobs (due_at) WHERE due_at IS NOT NULL;

CREATE TABLE rotation_functions (
    arn         TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    account_id  TEXT        NOT NULL,
    region      TEXT        NOT NULL,
    name        TEXT COLLATE "C" NOT NULL,
    kind        TEXT        NOT NULL CHECK (kind IN ('builtin', 'command', 'webhook')),
    config      TEXT        NOT NULL,
    role_arn    TEXT        NOT NULL,
    signing_key BYTEA,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);

CREATE INDEX rotation_functions_by_owner ON rotation_functions (account_id, region, name);

CREATE TABLE notification_subscriptions (
    id          TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    account_id  TEXT        NOT NULL,
    region      TEXT        NOT NULL,
    url         TEXT        NOT NULL,
    event_names TEXT        NOT NULL, -- one per line
    secret_arn  TEXT,
    signing_key BYTEA       NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE INDEX notification_subscriptions_by_owner ON notification_subscriptions (account_id, region, id);

CREATE TABLE notification_deliveries (
    id               TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    subscription_id  TEXT        NOT NULL REFERENCES notification_subscriptions (id) ON DELETE CASCADE,
    account_id       TEXT        NOT NULL,
    event            TEXT        NOT NULL,
    state            TEXT        NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
    attempts         BIGINT      NOT NULL CHECK (attempts >= 0),
    next_attempt_at  TIMESTAMPTZ NOT NULL,
    last_error       TEXT,
    lease_owner      TEXT,
    lease_expires_at TIMESTAMPTZ,
    created_at       TIMESTAMPTZ NOT NULL
);

CREATE INDEX notification_deliveries_pending ON notification_deliveries (next_attempt_at)
    WHERE state = 'pending';
CREATE INDEX notification_deliveries_by_account ON notification_deliveries (account_id, state, created_at);
CREATE INDEX notification_deliveries_by_subscription ON notification_deliveries (subscription_id);
