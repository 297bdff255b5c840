//! The conformance kit: behaviour every [`Store`] backend must show, as async test functions.
//!
//! Each case takes a fresh, empty store and panics (like a test) when the backend misbehaves. Backends run
//! the whole kit through [`conformance_suite!`](crate::conformance_suite), which expands to one
//! `#[tokio::test]` per case, so the calling crate needs `tokio` (with `macros` and `rt-multi-thread`) as a
//! dev-dependency:
//!
//! ```ignore
//! // A store that needs no cleanup: any expression whose `.await` yields a `Store`.
//! strongroom_store::conformance_suite!(async { MyStore::memory().await.unwrap() });
//!
//! // A store with setup and teardown: the future yields `Option<impl Fixture>`; `None` skips the case.
//! strongroom_store::conformance_suite!(fixture = my_fixture());
//! ```
//!
//! Timestamps in the kit are whole milliseconds, as the service writes them.

// This module is test code that happens to live in a library so that every backend can run it: failing
// loudly is its job.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod iam;
pub mod kms;
pub mod pca;
pub mod rolesanywhere;
pub mod rotation;
pub mod secrets;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

use strongroom_types::{AccessKeyId, AccountId, OffsetDateTime, Sealed};

use crate::{
    AccessKeyOwner, AccessKeyRecord, AccessKeyStatus, AccountRecord, AuditRecord, Store, StoreError,
    SystemKeyRecord,
};

/// A store under test, with whatever it needs kept alive (a temporary directory, a database schema) and a
/// way to clean up after the case.
pub trait Fixture: Send + Sync + 'static {
    /// The store the case runs against.
    fn store(&self) -> &dyn Store;

    /// Releases what the fixture holds (best effort); runs after the case, whether it passed or not.
    fn teardown(&self) -> impl Future<Output = ()> + Send {
        async {}
    }
}

/// A fixture that is just a store and needs no cleanup.
pub struct Plain<S>(pub S);

impl<S: Store + 'static> Fixture for Plain<S> {
    fn store(&self) -> &dyn Store {
        &self.0
    }
}

impl<S> fmt::Debug for Plain<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Plain(..)")
    }
}

/// Expands to one `#[tokio::test]` per conformance case.
///
/// `conformance_suite!(expr)`: `expr.await` yields a fresh store (anything implementing `Store + 'static`).
///
/// `conformance_suite!(fixture = expr)`: `expr.await` yields `Option<F>` where `F: Fixture`; `None` skips the
/// case (for a backend whose server is not available), and `F::teardown` runs after the case.
///
/// The expression is evaluated once per case, so every case gets a store of its own.
#[macro_export]
macro_rules! conformance_suite {
    (fixture = $make:expr $(,)?) => {
        $crate::__conformance_cases! {
            $make;
            bootstrap_creates_account_and_key,
            bootstrap_twice_fails_and_changes_nothing,
            bootstrap_with_taken_key_id_creates_nothing,
            concurrent_bootstrap_has_one_winner,
            access_key_round_trips_every_field,
            unknown_records_are_none,
            accounts_are_sorted,
            timestamps_round_trip_at_millisecond_precision,
            system_key_create_and_read,
            duplicate_system_key_keeps_the_original,
            concurrent_system_key_creation_agrees_on_one,
            audit_append_and_page,
            audit_chains_are_independent,
            audit_duplicate_in_batch_appends_none,
            audit_duplicate_of_existing_appends_none,
            audit_seq_extremes,
            audit_chains_are_sorted,
            concurrent_appends_all_land,
            ping_succeeds,
            concurrent_readers_and_writers_complete,
        }
    };
    ($make:expr $(,)?) => {
        $crate::conformance_suite!(
            fixture = async { ::core::option::Option::Some($crate::testkit::Plain($make.await)) }
        );
    };
}

/// Implementation detail of [`conformance_suite!`].
#[doc(hidden)]
#[macro_export]
macro_rules! __conformance_cases {
    ($make:expr; $($case:ident),* $(,)?) => {
        $(
            #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let ::core::option::Option::Some(fixture) = $make.await else {
                    return;
                };
                let fixture = ::std::sync::Arc::new(fixture);
                let shared = ::std::sync::Arc::clone(&fixture);
                // The case runs in its own task so that a failing case still reaches the teardown below.
                let outcome = ::tokio::spawn(async move {
                    $crate::testkit::$case($crate::testkit::Fixture::store(&*shared)).await;
                })
                .await;
                $crate::testkit::Fixture::teardown(&*fixture).await;
                if let ::core::result::Result::Err(err) = outcome {
                    match err.try_into_panic() {
                        ::core::result::Result::Ok(payload) => ::std::panic::resume_unwind(payload),
                        ::core::result::Result::Err(err) => panic!("conformance case did not finish: {err}"),
                    }
                }
            }
        )*
    };
}

// ---------------------------------------------------------------------------------------------------------
// Helpers.

/// A timestamp `ms` milliseconds after the Unix epoch.
pub fn ts(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).expect("timestamp in range")
}

/// Account id number `n`, zero-padded to 12 digits.
pub fn account_id(n: u64) -> AccountId {
    format!("{n:012}").parse().expect("valid account id")
}

/// Long-term access key id number `n`.
pub fn key_id(n: u64) -> AccessKeyId {
    format!("AKIA{n:016}").parse().expect("valid access key id")
}

/// Sealed bytes that cover every byte value and depend on `n`, so that a mix-up shows.
pub fn sealed(n: u8) -> Sealed {
    let mut bytes: Vec<u8> = (0..=255u8).collect();
    bytes.extend_from_slice(&[0, 0, n, 0xff, 0x00, n]);
    Sealed::from_bytes(bytes)
}

pub fn account(n: u64) -> AccountRecord {
    AccountRecord {
        account_id: account_id(n),
        created_at: ts(1_700_000_000_000 + n as i64),
    }
}

pub fn root_key(account_n: u64, key_n: u64) -> AccessKeyRecord {
    AccessKeyRecord {
        access_key_id: key_id(key_n),
        account_id: account_id(account_n),
        owner: AccessKeyOwner::Root,
        status: AccessKeyStatus::Active,
        sealed_secret: sealed(key_n as u8),
        created_at: ts(1_700_000_000_500 + key_n as i64),
    }
}

pub fn system_key(name: &str, n: u8) -> SystemKeyRecord {
    SystemKeyRecord {
        name: name.to_owned(),
        sealed_material: sealed(n),
        created_at: ts(1_700_000_001_000),
    }
}

pub fn audit(chain: &str, seq: u64) -> AuditRecord {
    AuditRecord {
        chain_id: chain.to_owned(),
        seq,
        recorded_at: ts(1_700_000_002_000 + (seq % 1_000_000) as i64),
        body: format!(r#"{{"chain":"{chain}","seq":{seq},"text":"ünïcødé ✓"}}"#),
        mac: vec![seq as u8, 0, 0xff, 7, (seq >> 8) as u8],
    }
}

/// A boxed future, for [`join_all`].
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Boxes a future for [`join_all`].
pub fn boxed<'a, T>(future: impl Future<Output = T> + Send + 'a) -> BoxFuture<'a, T> {
    Box::pin(future)
}

/// Polls every future to completion concurrently (in this task) and returns their outputs in order.
/// Each future holds its own database connection while it runs, so the backend sees real concurrency.
pub async fn join_all<'a, T: Send + 'a>(futures: Vec<BoxFuture<'a, T>>) -> Vec<T> {
    let mut pending: Vec<Option<BoxFuture<'a, T>>> = futures.into_iter().map(Some).collect();
    let mut outputs: Vec<Option<T>> = pending.iter().map(|_| None).collect();
    std::future::poll_fn(move |cx| {
        let mut done = true;
        for (slot, output) in pending.iter_mut().zip(outputs.iter_mut()) {
            if let Some(future) = slot {
                match future.as_mut().poll(cx) {
                    Poll::Ready(value) => {
                        *output = Some(value);
                        *slot = None;
                    }
                    Poll::Pending => done = false,
                }
            }
        }
        if done {
            Poll::Ready(outputs.iter_mut().map(|o| o.take().expect("finished")).collect())
        } else {
            Poll::Pending
        }
    })
    .await
}

fn assert_already_exists(result: Result<(), StoreError>, what: &str) {
    match result {
        Err(StoreError::AlreadyExists) => {}
        other => panic!("{what}: expected AlreadyExists, got {other:?}"),
    }
}

async fn all_audit(store: &dyn Store, chain: &str) -> Vec<AuditRecord> {
    store
        .audit_records(chain, 0, u32::MAX)
        .await
        .expect("audit_records")
}

// ---------------------------------------------------------------------------------------------------------
// Accounts and access keys.

pub async fn bootstrap_creates_account_and_key(store: &dyn Store) {
    let acct = account(1);
    let key = root_key(1, 1);
    store.bootstrap_account(&acct, &key).await.expect("bootstrap");

    assert_eq!(
        store.account(&acct.account_id).await.expect("account"),
        Some(acct.clone())
    );
    assert_eq!(
        store.access_key(&key.access_key_id).await.expect("access_key"),
        Some(key)
    );
    assert_eq!(store.accounts().await.expect("accounts"), vec![acct]);
}

pub async fn bootstrap_twice_fails_and_changes_nothing(store: &dyn Store) {
    let acct = account(7);
    let key = root_key(7, 1);
    store
        .bootstrap_account(&acct, &key)
        .await
        .expect("first bootstrap");

    // Same account, a different creation time and a different (new) key: nothing of it may be stored.
    let again = AccountRecord {
        account_id: acct.account_id.clone(),
        created_at: ts(1_800_000_000_000),
    };
    let second_key = root_key(7, 2);
    assert_already_exists(
        store.bootstrap_account(&again, &second_key).await,
        "second bootstrap",
    );

    assert_eq!(
        store.account(&acct.account_id).await.expect("account"),
        Some(acct.clone())
    );
    assert_eq!(store.accounts().await.expect("accounts"), vec![acct]);
    assert_eq!(
        store.access_key(&key.access_key_id).await.expect("first key"),
        Some(key)
    );
    assert_eq!(
        store
            .access_key(&second_key.access_key_id)
            .await
            .expect("second key"),
        None
    );
}

pub async fn bootstrap_with_taken_key_id_creates_nothing(store: &dyn Store) {
    let key = root_key(1, 1);
    store
        .bootstrap_account(&account(1), &key)
        .await
        .expect("first bootstrap");

    // A new account whose root key id is already taken: the account must not be created either.
    let mut clash = root_key(2, 1);
    clash.sealed_secret = sealed(99);
    assert_already_exists(
        store.bootstrap_account(&account(2), &clash).await,
        "bootstrap with taken key id",
    );

    assert_eq!(store.account(&account_id(2)).await.expect("account"), None);
    assert_eq!(store.accounts().await.expect("accounts"), vec![account(1)]);
    assert_eq!(
        store.access_key(&key.access_key_id).await.expect("key"),
        Some(key)
    );
}

pub async fn concurrent_bootstrap_has_one_winner(store: &dyn Store) {
    let acct = account(42);
    let futures: Vec<BoxFuture<'_, _>> = (0..8u64)
        .map(|i| {
            let acct = acct.clone();
            let key = root_key(42, 100 + i);
            boxed(async move { (key.clone(), store.bootstrap_account(&acct, &key).await) })
        })
        .collect();
    let outcomes = join_all(futures).await;

    let mut winners = Vec::new();
    for (key, outcome) in outcomes {
        match outcome {
            Ok(()) => winners.push(key),
            Err(StoreError::AlreadyExists) => {
                assert_eq!(
                    store.access_key(&key.access_key_id).await.expect("loser key"),
                    None
                );
            }
            Err(other) => panic!("concurrent bootstrap: unexpected error {other:?}"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one bootstrap wins");
    let winner = winners.remove(0);
    assert_eq!(
        store.access_key(&winner.access_key_id).await.expect("winner key"),
        Some(winner)
    );
    assert_eq!(store.accounts().await.expect("accounts"), vec![acct]);
}

pub async fn access_key_round_trips_every_field(store: &dyn Store) {
    let root = AccessKeyRecord {
        access_key_id: "AKIAIOSFODNN7EXAMPLE".parse().expect("key id"),
        account_id: account_id(123_456_789_012),
        owner: AccessKeyOwner::Root,
        status: AccessKeyStatus::Inactive,
        sealed_secret: Sealed::from_bytes(vec![0, 0, 0, 1, 0xfe, 0xff, 0, 0]),
        created_at: ts(1_234_567_890_123),
    };
    store
        .bootstrap_account(
            &AccountRecord {
                account_id: root.account_id.clone(),
                created_at: ts(5),
            },
            &root,
        )
        .await
        .expect("bootstrap root");
    assert_eq!(
        store.access_key(&root.access_key_id).await.expect("root key"),
        Some(root.clone())
    );

    // A key owned by a user: the trait has no method to add one, so it arrives through a bootstrap.
    let user = AccessKeyRecord {
        access_key_id: key_id(77),
        account_id: account_id(555),
        owner: AccessKeyOwner::User("alice+ops@example.com".to_owned()),
        status: AccessKeyStatus::Active,
        sealed_secret: Sealed::from_bytes((0..4096u32).map(|i| (i * 31 % 256) as u8).collect()),
        created_at: ts(1_700_000_000_999),
    };
    store
        .bootstrap_account(&account(555), &user)
        .await
        .expect("bootstrap user key");
    let read = store
        .access_key(&user.access_key_id)
        .await
        .expect("user key")
        .expect("stored");
    assert_eq!(
        read.owner,
        AccessKeyOwner::User("alice+ops@example.com".to_owned())
    );
    assert_eq!(read.sealed_secret.as_bytes(), user.sealed_secret.as_bytes());
    assert_eq!(read, user);

    // Reading twice gives the same, and reading one key does not disturb the other.
    assert_eq!(
        store
            .access_key(&root.access_key_id)
            .await
            .expect("root key again"),
        Some(root)
    );
}

pub async fn unknown_records_are_none(store: &dyn Store) {
    assert_eq!(store.access_key(&key_id(404)).await.expect("access_key"), None);
    assert_eq!(store.account(&account_id(404)).await.expect("account"), None);
    assert_eq!(store.system_key("no-such-key").await.expect("system_key"), None);
    assert_eq!(store.accounts().await.expect("accounts"), Vec::new());
    assert_eq!(
        store.audit_chains().await.expect("audit_chains"),
        Vec::<String>::new()
    );
    assert_eq!(all_audit(store, "no-such-chain").await, Vec::new());

    store
        .bootstrap_account(&account(1), &root_key(1, 1))
        .await
        .expect("bootstrap");
    assert_eq!(store.access_key(&key_id(2)).await.expect("access_key"), None);
    assert_eq!(store.account(&account_id(2)).await.expect("account"), None);
}

pub async fn accounts_are_sorted(store: &dyn Store) {
    let numbers = [900_000_000_000u64, 5, 123_456_789_012, 1, 99_999, 10];
    for (i, n) in numbers.iter().enumerate() {
        store
            .bootstrap_account(&account(*n), &root_key(*n, i as u64))
            .await
            .expect("bootstrap");
    }
    let mut expected: Vec<AccountRecord> = numbers.iter().map(|n| account(*n)).collect();
    expected.sort_by(|a, b| a.account_id.cmp(&b.account_id));
    assert_eq!(store.accounts().await.expect("accounts"), expected);
}

pub async fn timestamps_round_trip_at_millisecond_precision(store: &dyn Store) {
    let moments = [
        ts(0),
        ts(1),
        ts(-1),
        ts(-86_400_000 * 365 * 30 - 7),
        ts(1_700_000_000_123),
        ts(253_402_300_799_999), // 9999-12-31T23:59:59.999Z
        ts(1_700_000_000_456).to_offset(time::macros::offset!(+05:30)),
    ];
    for (i, at) in moments.iter().enumerate() {
        let n = i as u64 + 1;
        let acct = AccountRecord {
            account_id: account_id(n),
            created_at: *at,
        };
        let key = AccessKeyRecord {
            created_at: *at,
            ..root_key(n, n)
        };
        store.bootstrap_account(&acct, &key).await.expect("bootstrap");
        let name = format!("key-{i}");
        store
            .create_system_key(&SystemKeyRecord {
                created_at: *at,
                ..system_key(&name, i as u8)
            })
            .await
            .expect("create_system_key");
        store
            .append_audit(&[AuditRecord {
                recorded_at: *at,
                ..audit("clock", n)
            }])
            .await
            .expect("append_audit");

        let read_acct = store
            .account(&acct.account_id)
            .await
            .expect("account")
            .expect("stored");
        assert_eq!(read_acct.created_at, *at, "account created_at #{i}");
        let read_key = store
            .access_key(&key.access_key_id)
            .await
            .expect("key")
            .expect("stored");
        assert_eq!(read_key.created_at, *at, "access key created_at #{i}");
        let read_sys = store
            .system_key(&name)
            .await
            .expect("system_key")
            .expect("stored");
        assert_eq!(read_sys.created_at, *at, "system key created_at #{i}");
        let read_audit = store
            .audit_records("clock", n - 1, 1)
            .await
            .expect("audit_records");
        assert_eq!(read_audit.len(), 1);
        assert_eq!(read_audit[0].recorded_at, *at, "audit recorded_at #{i}");
    }
}

// ---------------------------------------------------------------------------------------------------------
// System keys.

pub async fn system_key_create_and_read(store: &dyn Store) {
    let audit_key = system_key("audit-mac", 1);
    let session_key = system_key("session-token", 2);
    store
        .create_system_key(&audit_key)
        .await
        .expect("create audit-mac");
    store
        .create_system_key(&session_key)
        .await
        .expect("create session-token");

    assert_eq!(
        store.system_key("audit-mac").await.expect("read"),
        Some(audit_key)
    );
    assert_eq!(
        store.system_key("session-token").await.expect("read"),
        Some(session_key)
    );
    assert_eq!(store.system_key("audit").await.expect("read prefix"), None);
    assert_eq!(
        store.system_key("AUDIT-MAC").await.expect("read other case"),
        None
    );
}

pub async fn duplicate_system_key_keeps_the_original(store: &dyn Store) {
    let original = system_key("wrapping", 1);
    store.create_system_key(&original).await.expect("create");
    let usurper = SystemKeyRecord {
        created_at: ts(1_900_000_000_000),
        ..system_key("wrapping", 2)
    };
    assert_already_exists(store.create_system_key(&usurper).await, "second create");
    assert_eq!(store.system_key("wrapping").await.expect("read"), Some(original));
}

pub async fn concurrent_system_key_creation_agrees_on_one(store: &dyn Store) {
    let futures: Vec<BoxFuture<'_, _>> = (0..8u8)
        .map(|i| {
            boxed(async move {
                let candidate = system_key("race", i);
                let outcome = store.create_system_key(&candidate).await;
                (candidate, outcome)
            })
        })
        .collect();
    let outcomes = join_all(futures).await;

    let mut winners = Vec::new();
    for (candidate, outcome) in outcomes {
        match outcome {
            Ok(()) => winners.push(candidate),
            Err(StoreError::AlreadyExists) => {}
            Err(other) => panic!("concurrent create_system_key: unexpected error {other:?}"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one creation wins");
    assert_eq!(store.system_key("race").await.expect("read"), winners.pop());
}

// ---------------------------------------------------------------------------------------------------------
// Audit.

pub async fn audit_append_and_page(store: &dyn Store) {
    store.append_audit(&[]).await.expect("empty batch");
    assert_eq!(store.audit_chains().await.expect("chains"), Vec::<String>::new());

    // Appended out of order across batches; read back in seq order.
    let first: Vec<AuditRecord> = [3, 1, 2].iter().map(|s| audit("node-a", *s)).collect();
    let second: Vec<AuditRecord> = (4..=10).rev().map(|s| audit("node-a", s)).collect();
    store.append_audit(&first).await.expect("append first");
    store.append_audit(&second).await.expect("append second");

    let all: Vec<AuditRecord> = (1..=10).map(|s| audit("node-a", s)).collect();
    assert_eq!(all_audit(store, "node-a").await, all);
    assert_eq!(
        store.audit_records("node-a", 0, 3).await.expect("page 1"),
        all[0..3].to_vec()
    );
    assert_eq!(
        store.audit_records("node-a", 3, 3).await.expect("page 2"),
        all[3..6].to_vec()
    );
    assert_eq!(
        store.audit_records("node-a", 6, 3).await.expect("page 3"),
        all[6..9].to_vec()
    );
    assert_eq!(
        store.audit_records("node-a", 9, 3).await.expect("page 4"),
        all[9..].to_vec()
    );
    assert_eq!(
        store.audit_records("node-a", 10, 3).await.expect("past the end"),
        Vec::new()
    );
    assert_eq!(
        store.audit_records("node-a", 0, 0).await.expect("limit 0"),
        Vec::new()
    );
    assert_eq!(
        store.audit_records("node-a", 4, 1).await.expect("limit 1"),
        all[4..5].to_vec()
    );

    // Paging by the last seq seen reaches every record exactly once.
    let mut seen = Vec::new();
    let mut after = 0;
    loop {
        let page = store.audit_records("node-a", after, 4).await.expect("page");
        let Some(last) = page.last() else { break };
        after = last.seq;
        seen.extend(page);
    }
    assert_eq!(seen, all);

    // Gaps are allowed and `after_seq` need not be a stored seq.
    store
        .append_audit(&[audit("node-a", 20), audit("node-a", 30)])
        .await
        .expect("append with gaps");
    let tail = store.audit_records("node-a", 15, 10).await.expect("tail");
    assert_eq!(tail, vec![audit("node-a", 20), audit("node-a", 30)]);
}

pub async fn audit_chains_are_independent(store: &dyn Store) {
    // The same seq in different chains is no conflict, and one batch may span chains.
    // An empty body and an empty MAC are stored as such (not as NULL).
    let empty = AuditRecord {
        body: String::new(),
        mac: Vec::new(),
        ..audit("c", 1)
    };
    let batch = vec![audit("a", 1), audit("b", 1), audit("a", 2), empty.clone()];
    store.append_audit(&batch).await.expect("append");
    assert_eq!(all_audit(store, "a").await, vec![audit("a", 1), audit("a", 2)]);
    assert_eq!(all_audit(store, "b").await, vec![audit("b", 1)]);
    assert_eq!(all_audit(store, "c").await, vec![empty]);
    assert_eq!(all_audit(store, "A").await, Vec::new());
}

pub async fn audit_duplicate_in_batch_appends_none(store: &dyn Store) {
    store.append_audit(&[audit("chain", 1)]).await.expect("append");

    let mut duplicate = audit("chain", 3);
    duplicate.body = "{}".to_owned();
    let batch = vec![audit("chain", 2), audit("chain", 3), audit("other", 1), duplicate];
    assert_already_exists(store.append_audit(&batch).await, "batch with a duplicate");

    assert_eq!(all_audit(store, "chain").await, vec![audit("chain", 1)]);
    assert_eq!(all_audit(store, "other").await, Vec::new());
    assert_eq!(
        store.audit_chains().await.expect("chains"),
        vec!["chain".to_owned()]
    );

    // The store is still usable after the failed batch.
    store
        .append_audit(&batch[..3])
        .await
        .expect("append without the duplicate");
    assert_eq!(
        all_audit(store, "chain").await,
        vec![audit("chain", 1), audit("chain", 2), audit("chain", 3)]
    );
}

pub async fn audit_duplicate_of_existing_appends_none(store: &dyn Store) {
    store
        .append_audit(&[audit("chain", 1), audit("chain", 2)])
        .await
        .expect("append");

    let mut replacement = audit("chain", 2);
    replacement.mac = vec![0; 32];
    let batch = vec![
        audit("chain", 3),
        audit("new-chain", 1),
        replacement,
        audit("chain", 4),
    ];
    assert_already_exists(
        store.append_audit(&batch).await,
        "batch overlapping stored records",
    );

    assert_eq!(
        all_audit(store, "chain").await,
        vec![audit("chain", 1), audit("chain", 2)]
    );
    assert_eq!(all_audit(store, "new-chain").await, Vec::new());
    assert_eq!(
        store.audit_chains().await.expect("chains"),
        vec!["chain".to_owned()]
    );
}

pub async fn audit_seq_extremes(store: &dyn Store) {
    let top = i64::MAX as u64;
    let records = vec![
        audit("edge", 0),
        audit("edge", 1),
        audit("edge", top - 1),
        audit("edge", top),
    ];
    store.append_audit(&records).await.expect("append extremes");
    assert_eq!(all_audit(store, "edge").await, records[1..].to_vec());
    assert_eq!(
        store
            .audit_records("edge", top - 1, 10)
            .await
            .expect("near the top"),
        vec![audit("edge", top)]
    );
    assert_eq!(
        store.audit_records("edge", top, 10).await.expect("at the top"),
        Vec::new()
    );
    assert_eq!(
        store
            .audit_records("edge", u64::MAX, 10)
            .await
            .expect("after u64::MAX"),
        Vec::new()
    );
    // seq 0 is never returned: the reader asks for records after a seq it has seen.
    assert_eq!(
        store.audit_records("edge", 0, 1).await.expect("after 0"),
        vec![audit("edge", 1)]
    );
}

pub async fn audit_chains_are_sorted(store: &dyn Store) {
    let names = ["node-b", "node-a", "Node-z", "node-a-2", "0", "node-c"];
    for name in names {
        store
            .append_audit(&[audit(name, 1), audit(name, 2)])
            .await
            .expect("append");
    }
    let mut expected: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
    expected.sort();
    assert_eq!(store.audit_chains().await.expect("chains"), expected);
}

pub async fn concurrent_appends_all_land(store: &dyn Store) {
    const WRITERS: u64 = 8;
    const BATCHES: u64 = 25;
    // Writer w appends seqs w*1000+1..; half of them to a shared chain, half to a chain of its own.
    let futures: Vec<BoxFuture<'_, _>> = (0..WRITERS)
        .map(|w| {
            boxed(async move {
                for b in 0..BATCHES {
                    let seq = w * 1000 + b * 2 + 1;
                    store
                        .append_audit(&[audit("shared", seq), audit("shared", seq + 1)])
                        .await
                        .unwrap_or_else(|e| panic!("writer {w} batch {b}: {e:?}"));
                    store
                        .append_audit(&[audit(&format!("own-{w}"), b + 1)])
                        .await
                        .unwrap_or_else(|e| panic!("writer {w} own batch {b}: {e:?}"));
                }
            })
        })
        .collect();
    join_all(futures).await;

    let shared = all_audit(store, "shared").await;
    let mut expected: Vec<AuditRecord> = (0..WRITERS)
        .flat_map(|w| (0..BATCHES * 2).map(move |i| audit("shared", w * 1000 + i + 1)))
        .collect();
    expected.sort_by_key(|r| r.seq);
    assert_eq!(shared, expected);
    for w in 0..WRITERS {
        let own = all_audit(store, &format!("own-{w}")).await;
        assert_eq!(own.len() as u64, BATCHES, "chain own-{w}");
    }
    assert_eq!(
        store.audit_chains().await.expect("chains").len() as u64,
        WRITERS + 1
    );
}

pub async fn ping_succeeds(store: &dyn Store) {
    store.ping().await.expect("ping on an empty store");
    assert!(
        matches!(store.backend(), "sqlite" | "postgres"),
        "backend name {:?}",
        store.backend()
    );
    store
        .bootstrap_account(&account(1), &root_key(1, 1))
        .await
        .expect("bootstrap");
    store.ping().await.expect("ping after a write");
}

/// 8 tasks × 50 mixed operations; every one must succeed (no busy/locked/conflict errors).
pub async fn concurrent_readers_and_writers_complete(store: &dyn Store) {
    const TASKS: u64 = 8;
    const OPS: u64 = 50;
    store
        .bootstrap_account(&account(1), &root_key(1, 1))
        .await
        .expect("seed account");
    store
        .create_system_key(&system_key("seed", 1))
        .await
        .expect("seed system key");

    let futures: Vec<BoxFuture<'_, _>> = (0..TASKS)
        .map(|t| {
            boxed(async move {
                let chain = format!("task-{t}");
                for op in 0..OPS {
                    let what = op % 5;
                    let n = 1000 + t * OPS + op;
                    let outcome = match what {
                        0 => store.bootstrap_account(&account(n), &root_key(n, n)).await,
                        1 => store.append_audit(&[audit(&chain, op + 1)]).await,
                        2 => {
                            store
                                .create_system_key(&system_key(&format!("k-{t}-{op}"), t as u8))
                                .await
                        }
                        3 => store.access_key(&key_id(1)).await.map(|k| assert!(k.is_some())),
                        _ => {
                            let stored = store.audit_records(&chain, 0, 1000).await;
                            stored.map(|records| assert_eq!(records.len() as u64, op.div_ceil(5)))
                        }
                    };
                    outcome.unwrap_or_else(|e| panic!("task {t} op {op} (kind {what}): {e:?}"));
                    if op % 10 == 9 {
                        store
                            .accounts()
                            .await
                            .unwrap_or_else(|e| panic!("task {t} accounts: {e:?}"));
                        store
                            .system_key("seed")
                            .await
                            .unwrap_or_else(|e| panic!("task {t} system_key: {e:?}"));
                    }
                }
            })
        })
        .collect();
    join_all(futures).await;

    let per_kind = OPS / 5;
    assert_eq!(
        store.accounts().await.expect("accounts").len() as u64,
        1 + TASKS * per_kind
    );
    for t in 0..TASKS {
        assert_eq!(
            all_audit(store, &format!("task-{t}")).await.len() as u64,
            per_kind
        );
        assert!(
            store
                .system_key(&format!("k-{t}-2"))
                .await
                .expect("system key")
                .is_some()
        );
    }
}
