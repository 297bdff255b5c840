//! Behaviour particular to the SQLite backend: durability across reopening, the pragmas in effect, file
//! permissions, two stores sharing one file, and records it refuses.

// Test code: helpers outside `#[test]` functions may fail loudly too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use strongroom_store::testkit::{account, audit, boxed, join_all, root_key, system_key, ts};
use strongroom_store::{AccountStore, AuditRecord, AuditStore, KeyStore, Store, StoreError};
use strongroom_store_sqlite::SqliteStore;

async fn write_some(store: &SqliteStore) {
    store
        .bootstrap_account(&account(1), &root_key(1, 1))
        .await
        .expect("bootstrap");
    store
        .create_system_key(&system_key("audit-mac", 3))
        .await
        .expect("system key");
    store
        .append_audit(&[audit("node", 1), audit("node", 2)])
        .await
        .expect("audit");
}

async fn assert_written(store: &SqliteStore) {
    assert_eq!(store.accounts().await.expect("accounts"), vec![account(1)]);
    let key = root_key(1, 1);
    assert_eq!(
        store.access_key(&key.access_key_id).await.expect("key"),
        Some(key)
    );
    assert_eq!(
        store.system_key("audit-mac").await.expect("system key"),
        Some(system_key("audit-mac", 3))
    );
    assert_eq!(
        store.audit_records("node", 0, 10).await.expect("audit"),
        vec![audit("node", 1), audit("node", 2)]
    );
}

fn file_header(path: &Path) -> Vec<u8> {
    let bytes = std::fs::read(path).expect("read database file");
    bytes[..100].to_vec()
}

#[tokio::test]
async fn records_survive_dropping_and_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("strongroom.db");

    let store = SqliteStore::open(&path).await.unwrap();
    write_some(&store).await;
    // Dropped without closing: what was acknowledged must be readable by the next store on the file.
    drop(store);

    let reopened = SqliteStore::open(&path).await.unwrap();
    assert_written(&reopened).await;
    reopened.append_audit(&[audit("node", 3)]).await.unwrap();
    reopened.close().await;

    // After a clean close (which checkpoints the WAL into the main file), once more.
    let again = SqliteStore::open(&path).await.unwrap();
    assert_written_with_third(&again).await;
    again.close().await;
}

async fn assert_written_with_third(store: &SqliteStore) {
    let records = store.audit_records("node", 0, 10).await.unwrap();
    assert_eq!(
        records,
        vec![audit("node", 1), audit("node", 2), audit("node", 3)]
    );
    assert_eq!(store.accounts().await.unwrap(), vec![account(1)]);
}

#[tokio::test]
async fn file_store_runs_in_wal_mode_with_full_sync() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("strongroom.db");
    let store = SqliteStore::open(&path).await.unwrap();
    write_some(&store).await;

    let pragmas = store.pragmas().await.unwrap();
    assert_eq!(pragmas.journal_mode, "wal");
    assert_eq!(pragmas.synchronous, 2, "synchronous = FULL");
    assert!(pragmas.foreign_keys);
    assert_eq!(pragmas.busy_timeout, 5000);

    // WAL mode is recorded in the file itself (header bytes 18 and 19 are 2), so every later connection,
    // ours or a backup tool's, uses it too.
    store.close().await;
    let header = file_header(&path);
    assert_eq!(&header[..16], b"SQLite format 3\0");
    assert_eq!((header[18], header[19]), (2, 2), "file format versions for WAL");

    let reopened = SqliteStore::open(&path).await.unwrap();
    assert_eq!(reopened.pragmas().await.unwrap().journal_mode, "wal");
    assert_eq!(reopened.pragmas().await.unwrap().synchronous, 2);
}

#[tokio::test]
async fn memory_store_reports_its_pragmas() {
    let store = SqliteStore::memory().await.unwrap();
    let pragmas = store.pragmas().await.unwrap();
    assert_eq!(pragmas.journal_mode, "memory");
    assert!(pragmas.foreign_keys);

    // Two in-memory stores are two databases.
    let other = SqliteStore::memory().await.unwrap();
    store
        .bootstrap_account(&account(1), &root_key(1, 1))
        .await
        .unwrap();
    assert_eq!(other.accounts().await.unwrap(), Vec::new());
    // A clone is the same database.
    assert_eq!(store.clone().accounts().await.unwrap(), vec![account(1)]);
}

#[cfg(unix)]
#[tokio::test]
async fn new_file_is_private_to_its_owner() {
    use std::os::unix::fs::PermissionsExt;

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("strongroom.db");
    let store = SqliteStore::open(&path).await.unwrap();
    write_some(&store).await;

    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&path), 0o600);
    let wal = dir.path().join("strongroom.db-wal");
    assert!(wal.exists(), "WAL file exists while the store is open");
    assert_eq!(
        mode(&wal),
        0o600,
        "SQLite gives the WAL file the database file's mode"
    );
    store.close().await;

    // Reopening an existing file leaves its mode alone.
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    let reopened = SqliteStore::open(&path).await.unwrap();
    assert_written(&reopened).await;
    assert_eq!(mode(&path), 0o640);
}

#[tokio::test]
async fn open_in_a_missing_directory_is_unavailable() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no-such-dir").join("strongroom.db");
    assert!(matches!(
        SqliteStore::open(&path).await,
        Err(StoreError::Unavailable(_))
    ));
}

#[tokio::test]
async fn two_stores_on_one_file_write_without_busy_errors() {
    // Like two processes on one file: each store has its own writer, so they meet at SQLite's lock.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("strongroom.db");
    let first = SqliteStore::open(&path).await.unwrap();
    let second = SqliteStore::open(&path).await.unwrap();

    let stores = [&first, &second];
    let futures = (0..2u64)
        .flat_map(|s| (0..4u64).map(move |t| (s, t)))
        .map(|(s, t)| {
            let store = stores[s as usize];
            boxed(async move {
                let chain = format!("store-{s}-task-{t}");
                for seq in 1..=25 {
                    store
                        .append_audit(&[audit(&chain, seq)])
                        .await
                        .unwrap_or_else(|e| panic!("{chain}: {e:?}"));
                }
            })
        })
        .collect();
    join_all(futures).await;

    for store in stores {
        assert_eq!(store.audit_chains().await.unwrap().len(), 8);
        for chain in store.audit_chains().await.unwrap() {
            assert_eq!(store.audit_records(&chain, 0, 100).await.unwrap().len(), 25);
        }
    }
}

#[tokio::test]
async fn unstorable_records_are_refused_whole() {
    let store = SqliteStore::memory().await.unwrap();

    // A seq beyond i64::MAX cannot be stored; the batch it is in is refused whole.
    let too_big = AuditRecord {
        seq: i64::MAX as u64 + 1,
        ..audit("chain", 0)
    };
    let result = store.append_audit(&[audit("chain", 1), too_big]).await;
    assert!(matches!(result, Err(StoreError::Unavailable(_))), "{result:?}");
    assert_eq!(store.audit_chains().await.unwrap(), Vec::<String>::new());

    // A root key of another account is a caller's bug: nothing is created.
    let result = store.bootstrap_account(&account(1), &root_key(2, 1)).await;
    assert!(matches!(result, Err(StoreError::Unavailable(_))), "{result:?}");
    assert_eq!(store.accounts().await.unwrap(), Vec::new());

    // Sub-millisecond precision is truncated (the service truncates before writing anyway).
    let precise = ts(1_700_000_000_123) + time::Duration::nanoseconds(456_789);
    let record = AuditRecord {
        recorded_at: precise,
        ..audit("clock", 1)
    };
    store.append_audit(&[record]).await.unwrap();
    let read = store.audit_records("clock", 0, 1).await.unwrap();
    assert_eq!(read[0].recorded_at, ts(1_700_000_000_123));
    let before_epoch = ts(-1_000) + time::Duration::nanoseconds(-1);
    let record = AuditRecord {
        recorded_at: before_epoch,
        ..audit("clock", 2)
    };
    store.append_audit(&[record]).await.unwrap();
    let read = store.audit_records("clock", 1, 1).await.unwrap();
    assert_eq!(read[0].recorded_at, ts(-1_001));
    store.ping().await.unwrap();
}
