//! Runs the Roles Anywhere store conformance kit against PostgreSQL, each case in a schema of its own (see
//! `common`). Without a reachable server the cases are skipped (with a `skipped: …` line), unless
//! `STRONGROOM_REQUIRE_PG=1`.

// Test code: helpers outside `#[test]` functions may fail loudly too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

strongroom_store::rolesanywhere_conformance_suite!(fixture = common::PgFixture::new());
