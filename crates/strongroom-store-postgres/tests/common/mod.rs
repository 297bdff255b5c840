//! Test fixtures for the PostgreSQL backend: a store in a schema of its own, dropped after the test, or a
//! skip when no server is reachable.

#![allow(dead_code)]

use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sqlx::{Connection, PgConnection};
use strongroom_store::Store;
use strongroom_store::testkit::Fixture;
use strongroom_store_postgres::PostgresStore;

pub const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// The server the tests use: `STRONGROOM_TEST_PG_URL`, else a local default.
pub fn url() -> String {
    std::env::var("STRONGROOM_TEST_PG_URL").unwrap_or_else(|_| DEFAULT_URL.to_owned())
}

/// Whether a missing server fails the tests (`STRONGROOM_REQUIRE_PG=1`) instead of skipping them.
fn required() -> bool {
    std::env::var("STRONGROOM_REQUIRE_PG").is_ok_and(|v| v == "1")
}

/// Whether the tests can run: connects once. When the server is out of reach, prints why and returns
/// `false`, or fails when a server is required.
pub async fn server_available(url: &str) -> bool {
    let attempt = tokio::time::timeout(Duration::from_secs(5), PgConnection::connect(url)).await;
    let error = match attempt {
        Ok(Ok(conn)) => {
            let _ = conn.close().await;
            return true;
        }
        Ok(Err(err)) => err.to_string(),
        Err(_) => "timed out".to_owned(),
    };
    assert!(
        !required(),
        "PostgreSQL not reachable at {url} ({error}) and STRONGROOM_REQUIRE_PG=1"
    );
    eprintln!("skipped: PostgreSQL not reachable at {url}");
    false
}

/// A schema name no other test (in this or another process) uses: `t_<pid>_<counter>_<random>`.
pub fn unique_schema() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let random = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    format!("t_{}_{n}_{:08x}", std::process::id(), random & 0xffff_ffff)
}

/// Drops `schema` and everything in it; best effort.
pub async fn drop_schema(url: &str, schema: &str) {
    let Ok(mut conn) = PgConnection::connect(url).await else {
        return;
    };
    let sql = format!(
        "DROP SCHEMA IF EXISTS \"{}\" CASCADE",
        schema.replace('"', "\"\"")
    );
    if let Err(err) = sqlx::Executor::execute(&mut conn, sql.as_str()).await {
        eprintln!("could not drop test schema {schema}: {err}");
    }
    let _ = conn.close().await;
}

/// A store in a schema of its own, dropped at teardown.
pub struct PgFixture {
    pub store: PostgresStore,
    pub url: String,
    pub schema: String,
}

impl PgFixture {
    /// A fresh store, or `None` (after saying why) when no server is reachable.
    pub async fn new() -> Option<Self> {
        let url = url();
        if !server_available(&url).await {
            return None;
        }
        let schema = unique_schema();
        let store = PostgresStore::connect_in_schema(&url, &schema)
            .await
            .expect("connect in a fresh schema");
        Some(Self { store, url, schema })
    }
}

impl Fixture for PgFixture {
    fn store(&self) -> &dyn Store {
        &self.store
    }

    fn teardown(&self) -> impl Future<Output = ()> + Send {
        let (store, url, schema) = (self.store.clone(), self.url.clone(), self.schema.clone());
        async move {
            store.close().await;
            drop_schema(&url, &schema).await;
        }
    }
}
