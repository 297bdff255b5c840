//! The SQLite fixture the conformance suites share: a fresh database file in a temporary directory.

use std::future::Future;

use strongroom_store::Store;
use strongroom_store::testkit::Fixture;
use strongroom_store_sqlite::SqliteStore;
use tempfile::TempDir;

/// A store on a database file that lives (with its directory) as long as the fixture.
pub struct FileFixture {
    pub store: SqliteStore,
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

pub async fn file_store() -> Option<FileFixture> {
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = SqliteStore::open(&dir.path().join("strongroom.db"))
        .await
        .expect("open store");
    Some(FileFixture { store, _dir: dir })
}
