//! Runs the Roles Anywhere store conformance kit against SQLite: each case on a fresh database file in a
//! temporary directory, and the whole kit once more on an in-memory database.

// Test code: helpers outside `#[test]` functions may fail loudly too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::file_store;

strongroom_store::rolesanywhere_conformance_suite!(fixture = file_store());

mod in_memory {
    use strongroom_store_sqlite::SqliteStore;

    strongroom_store::rolesanywhere_conformance_suite!(async {
        SqliteStore::memory().await.expect("in-memory store")
    });
}
