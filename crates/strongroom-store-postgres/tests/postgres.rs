//! Behaviour particular to the PostgreSQL backend: schemas, reconnecting, and records it refuses.

// Test code: helpers outside `#[test]` functions may fail loudly too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{PgFixture, drop_schema, server_available, unique_schema, url};
use sqlx::{Connection, PgConnection};
use strongroom_store::testkit::{account, audit, root_key, system_key, ts};
use strongroom_store::{AccountStore, AuditRecord, AuditStore, KeyStore, Store, StoreError};
use strongroom_store_postgres::PostgresStore;

async fn tables_in(url: &str, schema: &str) -> Vec<String> {
    let mut conn = PgConnection::connect(url).await.unwrap();
    let tables = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1",
    )
    .bind(schema)
    .fetch_all(&mut conn)
    .await
    .unwrap();
    conn.close().await.unwrap();
    tables
}

#[tokio::test]
async fn schemas_isolate_stores_and_reconnecting_finds_the_data() {
    let Some(first) = PgFixture::new().await else {
        return;
    };
    let Some(second) = PgFixture::new().await else {
        return;
    };

    first
        .store
        .bootstrap_account(&account(1), &root_key(1, 1))
        .await
        .unwrap();
    first.store.append_audit(&[audit("node", 1)]).await.unwrap();
    assert_eq!(second.store.accounts().await.unwrap(), Vec::new());
    assert_eq!(second.store.audit_chains().await.unwrap(), Vec::<String>::new());
    // The same ids in another schema are no conflict.
    second
        .store
        .bootstrap_account(&account(1), &root_key(1, 1))
        .await
        .unwrap();

    assert_eq!(
        tables_in(&first.url, &first.schema).await,
        [
            "_sqlx_migrations",
            "access_keys",
            "accounts",
            "audit_records",
            "iam_group_members",
            "iam_group_policies",
            "iam_group_policy_attachments",
            "iam_groups",
            "iam_policies",
            "iam_policy_versions",
            "iam_role_policies",
            "iam_role_policy_attachments",
            "iam_roles",
            "iam_user_policies",
            "iam_user_policy_attachments",
            "iam_users",
            "kms_aliases",
            "kms_key_versions",
            "kms_keys",
            "notification_deliveries",
            "notification_subscriptions",
            "pca_authorities",
            "pca_certificates",
            "rolesanywhere_resources",
            "rotation_functions",
            "rotation_jobs",
            "secret_values",
            "secrets",
            "system_keys"
        ]
    );

    // Connecting again to an existing schema runs no migration twice and sees what was written.
    let again = PostgresStore::connect_in_schema(&first.url, &first.schema)
        .await
        .unwrap();
    assert_eq!(again.accounts().await.unwrap(), vec![account(1)]);
    assert_eq!(
        again.audit_records("node", 0, 10).await.unwrap(),
        vec![audit("node", 1)]
    );
    again.close().await;

    for fixture in [first, second] {
        fixture.store.close().await;
        drop_schema(&fixture.url, &fixture.schema).await;
    }
}

#[tokio::test]
async fn connect_uses_the_search_path_of_the_url() {
    let url = url();
    if !server_available(&url).await {
        return;
    }
    // `connect` puts its tables in the first schema of the search path, here one chosen through the URL
    // (so that the test leaves `public` alone).
    let schema = unique_schema();
    let mut conn = PgConnection::connect(&url).await.unwrap();
    sqlx::raw_sql(&format!("CREATE SCHEMA {schema}"))
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();

    let separator = if url.contains('?') { '&' } else { '?' };
    let with_path = format!("{url}{separator}options=-c%20search_path%3D{schema}");
    let store = PostgresStore::connect(&with_path).await.unwrap();
    store.create_system_key(&system_key("k", 1)).await.unwrap();
    store.ping().await.unwrap();
    assert_eq!(store.backend(), "postgres");
    store.close().await;
    assert!(tables_in(&url, &schema).await.contains(&"system_keys".to_owned()));

    drop_schema(&url, &schema).await;
}

#[tokio::test]
async fn schema_names_are_quoted() {
    let url = url();
    if !server_available(&url).await {
        return;
    }
    let schema = format!("{} Odd \"name\"; --", unique_schema());
    let store = PostgresStore::connect_in_schema(&url, &schema).await.unwrap();
    store.create_system_key(&system_key("k", 1)).await.unwrap();
    store.close().await;
    assert!(tables_in(&url, &schema).await.contains(&"system_keys".to_owned()));
    drop_schema(&url, &schema).await;

    for bad in ["", "a\0b", &"x".repeat(64)] {
        let result = PostgresStore::connect_in_schema(&url, bad).await;
        assert!(matches!(result, Err(StoreError::Unavailable(_))), "{bad:?}");
    }
}

#[tokio::test]
async fn unstorable_records_are_refused_whole() {
    let Some(fixture) = PgFixture::new().await else {
        return;
    };
    let store = &fixture.store;

    let too_big = AuditRecord {
        seq: i64::MAX as u64 + 1,
        ..audit("chain", 0)
    };
    let result = store.append_audit(&[audit("chain", 1), too_big]).await;
    assert!(matches!(result, Err(StoreError::Unavailable(_))), "{result:?}");
    assert_eq!(store.audit_chains().await.unwrap(), Vec::<String>::new());

    let result = store.bootstrap_account(&account(1), &root_key(2, 1)).await;
    assert!(matches!(result, Err(StoreError::Unavailable(_))), "{result:?}");
    assert_eq!(store.accounts().await.unwrap(), Vec::new());

    // Sub-millisecond precision is truncated, towards the past, as in the SQLite backend.
    let precise = ts(1_700_000_000_123) + time::Duration::nanoseconds(456_789);
    store
        .append_audit(&[AuditRecord {
            recorded_at: precise,
            ..audit("clock", 1)
        }])
        .await
        .unwrap();
    assert_eq!(
        store.audit_records("clock", 0, 1).await.unwrap()[0].recorded_at,
        ts(1_700_000_000_123)
    );
    let before_epoch = ts(-1_000) + time::Duration::nanoseconds(-1);
    store
        .append_audit(&[AuditRecord {
            recorded_at: before_epoch,
            ..audit("clock", 2)
        }])
        .await
        .unwrap();
    assert_eq!(
        store.audit_records("clock", 1, 1).await.unwrap()[0].recorded_at,
        ts(-1_001)
    );

    store.close().await;
    drop_schema(&fixture.url, &fixture.schema).await;
}
