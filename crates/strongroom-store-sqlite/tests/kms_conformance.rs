//! Runs the KMS store conformance kit against SQLite: each case on a fresh database file in a temporary
//! directory, and the whole kit once more on an in-memory database.

// Test code: helpers outside `#[test]` functions may fail loudly too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::future::Future;

use strongroom_store::Store;
use strongroom_store::testkit::Fixture;
use strongroom_store_sqlite::SqliteStore;
use tempfile::TempDir;

/// A store on a database file that lives (with its directory) as long as the fixture.
struct FileFixture {
    store: SqliteStore,
    _dir: TempDir,
}

impl Fixture for FileFixture {
    fn store(&self) -> &dyn Store {
        &self.store
    }

    fn teardown(&self) -> impl Future<Output = ()> + Send {
        self.store.close()
    }
}

async fn file_store() -> Option<FileFixture> {
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = SqliteStore::open(&dir.path().join("strongroom.db"))
        .await
        .expect("open store");
    Some(FileFixture { store, _dir: dir })
}

strongroom_store::kms_conformance_suite!(fixture = file_store());

mod in_memory {
    use strongroom_store_sqlite::SqliteStore;

    strongroom_store::kms_conformance_suite!(async { SqliteStore::memory().await.expect("in-memory store") });
}
