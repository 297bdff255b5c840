//! Runs the secrets conformance cases against SQLite (each on a fresh database file in a temporary
//! directory, and once more on an in-memory database), and a scale check run by hand:
//! `cargo test -p strongroom-store-sqlite --release --test secrets_conformance -- --ignored --nocapture`.

// Test code: helpers outside `#[test]` functions may fail loudly too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Instant;

use strongroom_store::SecretStore;
use strongroom_store::secrets::{SecretOrder, SecretPage, SecretWrite};
use strongroom_store::testkit::secrets::{REGION, region, secret};
use strongroom_store::testkit::{account_id, ts};
use strongroom_store_sqlite::SqliteStore;

mod common;

use common::file_store;

strongroom_store::secrets_conformance_suite!(fixture = file_store());

/// More secrets match the prefix than the cap below which a listing in creation-time order sorts the
/// matches, so it walks the creation-time index instead: the pages must be the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prefix_listing_in_creation_order_with_many_matches() {
    let fixture = file_store().await.expect("store");
    let store = &fixture.store;
    let records: Vec<_> = (0..6_000u32)
        .map(|i| {
            let prefix = if i % 13 == 0 { "other" } else { "match" };
            let name = format!("{prefix}/{:05}", (i * 7) % 6_000);
            secret(
                1,
                REGION,
                &name,
                &format!("{:06}", (i * 11) % 6_000),
                i64::from(i / 4),
            )
        })
        .collect();
    let writes: Vec<SecretWrite> = records
        .iter()
        .map(|r| SecretWrite::Create {
            secret: r.clone(),
            values: Vec::new(),
        })
        .collect();
    store.write_secrets(&writes).await.expect("write");
    let account = account_id(1);
    let region = region(REGION);
    for (prefix, order) in [
        ("match/", SecretOrder::CreatedAsc),
        ("match/", SecretOrder::CreatedDesc),
        ("other/", SecretOrder::CreatedDesc),
    ] {
        let mut expected: Vec<_> = records.iter().filter(|r| r.name.starts_with(prefix)).collect();
        expected.sort_by(|a, b| (a.created_at, &a.arn).cmp(&(b.created_at, &b.arn)));
        if order == SecretOrder::CreatedDesc {
            expected.reverse();
        }
        let expected: Vec<&str> = expected.iter().map(|r| r.arn.as_str()).collect();
        let mut page = SecretPage {
            order,
            after: None,
            limit: 1_000,
            include_deleted: false,
            name_prefix: Some(prefix.to_owned()),
        };
        let mut seen = Vec::new();
        loop {
            let got = store.list_secrets(&account, &region, &page).await.expect("list");
            let Some(last) = got.last() else { break };
            page.after = Some(strongroom_store::secrets::SecretCursor {
                created_at: last.created_at,
                name: last.name.clone(),
                arn: last.arn.clone(),
            });
            seen.extend(got.iter().map(|r| r.arn.clone()));
        }
        assert_eq!(seen, expected, "{prefix} {order:?}");
    }
    fixture.store.close().await;
}

mod in_memory {
    use strongroom_store_sqlite::SqliteStore;

    strongroom_store::secrets_conformance_suite!(async {
        SqliteStore::memory().await.expect("in-memory store")
    });
}

/// One million secrets in one (account, region), a tenth of them scheduled for deletion, written through
/// `write_secrets` in batches of 10,000; then the first page of every listing and point reads, timed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "scale test: run with --ignored"]
async fn scale_one_million_secrets() {
    const TOTAL: u64 = 1_000_000;
    const BATCH: u64 = 10_000;
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("scale.db");
    let store = SqliteStore::open(&path).await.expect("open store");

    let started = Instant::now();
    for batch in 0..TOTAL / BATCH {
        let writes: Vec<SecretWrite> = (batch * BATCH..(batch + 1) * BATCH)
            .map(|i| {
                // Creation times tie in runs of 3; names are not in creation order.
                let name = format!("app/{:07}/secret", (i * 7_919) % TOTAL);
                let mut record = secret(
                    1,
                    REGION,
                    &name,
                    &format!("{i:06x}"),
                    1_600_000_000_000 + (i / 3) as i64,
                );
                if i % 10 == 0 {
                    record.deleted_at = Some(ts(1_700_000_000_000));
                    record.purge_at = Some(ts(1_700_000_000_000 + i as i64));
                }
                SecretWrite::Create {
                    secret: record,
                    values: Vec::new(),
                }
            })
            .collect();
        store.write_secrets(&writes).await.expect("write batch");
    }
    let insert = started.elapsed();
    eprintln!("inserted {TOTAL} secrets in {insert:?}");

    let account = account_id(1);
    let region = region(REGION);
    for include_deleted in [false, true] {
        for order in [
            SecretOrder::CreatedAsc,
            SecretOrder::CreatedDesc,
            SecretOrder::NameAsc,
            SecretOrder::NameDesc,
        ] {
            let mut page = SecretPage {
                order,
                after: None,
                limit: 100,
                include_deleted,
                name_prefix: None,
            };
            // Warm, then time the first page and a page deep in the listing.
            store.list_secrets(&account, &region, &page).await.expect("list");
            let t = Instant::now();
            let first = store.list_secrets(&account, &region, &page).await.expect("list");
            let first_time = t.elapsed();
            assert_eq!(first.len(), 100);
            let middle = store
                .secret_by_name(&account, &region, "app/0500000/secret")
                .await
                .expect("read");
            let middle = middle.expect("stored");
            page.after = Some(strongroom_store::secrets::SecretCursor {
                created_at: middle.created_at,
                name: middle.name.clone(),
                arn: middle.arn.clone(),
            });
            let t = Instant::now();
            let deep = store.list_secrets(&account, &region, &page).await.expect("list");
            let deep_time = t.elapsed();
            assert_eq!(deep.len(), 100);
            eprintln!(
                "list_secrets {order:?} include_deleted={include_deleted}: first page {first_time:?}, \
                 page after the middle {deep_time:?}"
            );
        }
    }
    for prefix in ["app/", "app/09", "app/0999", "app/0999999", "zzz"] {
        for order in [
            SecretOrder::CreatedDesc,
            SecretOrder::CreatedAsc,
            SecretOrder::NameAsc,
        ] {
            let page = SecretPage {
                order,
                after: None,
                limit: 100,
                include_deleted: false,
                name_prefix: Some(prefix.to_owned()),
            };
            let t = Instant::now();
            let got = store.list_secrets(&account, &region, &page).await.expect("list");
            eprintln!(
                "list_secrets {order:?} prefix {prefix:?}: {:?} ({} rows)",
                t.elapsed(),
                got.len()
            );
        }
    }

    let arns: Vec<String> = (0..1000u64)
        .map(|i| {
            strongroom_store::testkit::secrets::secret_arn(
                1,
                REGION,
                &format!("app/{:07}/secret", (i * 997 * 7_919) % TOTAL),
                &format!("{:06x}", i * 997),
            )
        })
        .collect();
    let t = Instant::now();
    for arn in &arns {
        assert!(store.secret_by_arn(arn).await.expect("read").is_some(), "{arn}");
    }
    eprintln!("secret_by_arn: {:?} per read (1000 reads)", t.elapsed() / 1000);
    let t = Instant::now();
    let due = store
        .secrets_to_purge(ts(1_700_000_000_000 + 50_000), 100)
        .await
        .expect("to purge");
    eprintln!("secrets_to_purge: {:?} ({} rows)", t.elapsed(), due.len());
    store.close().await;
}
