//! Runs the secrets conformance cases against PostgreSQL, each in a schema of its own (see `common`).
//! Without a reachable server the cases are skipped, unless `STRONGROOM_REQUIRE_PG=1`.

// Test code: helpers outside `#[test]` functions may fail loudly too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

strongroom_store::secrets_conformance_suite!(fixture = common::PgFixture::new());
