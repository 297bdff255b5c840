//! Secrets stay secret: canary secret values and credentials used through the API appear in no database
//! file (SQLite file and WAL), no PostgreSQL table, no log line (at TRACE) and no audit record.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed step should fail the test loudly"
)]

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use common::TestServer;
use strongroom_store_postgres::PostgresStore;

/// Every log line of this test binary, captured at TRACE level.
fn captured_logs() -> &'static Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&logs);
        let _ = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(move || CaptureWriter(Arc::clone(&sink)))
            .try_init();
        logs
    })
}

struct CaptureWriter(Arc<Mutex<Vec<u8>>>);

impl Write for CaptureWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Uses the root credentials and a session through the API; returns every secret that was in play.
async fn exercise(server: &TestServer) -> Vec<String> {
    server.sts().get_caller_identity().send().await.unwrap();
    let out = server
        .sts()
        .get_session_token()
        .duration_seconds(900)
        .send()
        .await
        .unwrap();
    let creds = out.credentials().unwrap();
    let temp = server.sts_with(
        creds.access_key_id(),
        creds.secret_access_key(),
        Some(creds.session_token()),
    );
    temp.get_caller_identity().send().await.unwrap();
    // A failure too: errors must not echo secrets either.
    let _ = server
        .sts_with(
            &server.access_key_id,
            "WRONGwrongWRONGwrongWRONGwrongWRONGwrong",
            None,
        )
        .get_caller_identity()
        .send()
        .await;
    // A secret value through Secrets Manager, read back, replaced, and deleted.
    let canary = format!("canary-{}", strongroom_crypto::random::alnum_suffix(24));
    let canary_binary = format!("binary-canary-{}", strongroom_crypto::random::alnum_suffix(24));
    let send = |target: &'static str, body: String| {
        let request = server.request("secretsmanager").json_target(target, &body);
        async move { request.send().await }
    };
    let created = send(
        "secretsmanager.CreateSecret",
        format!(
            r#"{{"Name":"canary","SecretString":"{canary}","ClientRequestToken":"{}"}}"#,
            strongroom_crypto::random::uuid_v4()
        ),
    )
    .await;
    assert_eq!(created.status, 200, "{}", created.body);
    let read = send(
        "secretsmanager.GetSecretValue",
        r#"{"SecretId":"canary"}"#.to_owned(),
    )
    .await;
    assert!(
        read.body.contains(&canary),
        "the canary must round-trip through the API"
    );
    use base64::Engine as _;
    let encoded = base64::engine::general_purpose::STANDARD.encode(&canary_binary);
    let put = send(
        "secretsmanager.PutSecretValue",
        format!(
            r#"{{"SecretId":"canary","SecretBinary":"{encoded}","ClientRequestToken":"{}"}}"#,
            strongroom_crypto::random::uuid_v4()
        ),
    )
    .await;
    assert_eq!(put.status, 200, "{}", put.body);
    // A failure with the value in the request: errors must not echo it.
    let _ = send(
        "secretsmanager.PutSecretValue",
        format!(
            r#"{{"SecretId":"no-such-secret","SecretString":"{canary}","ClientRequestToken":"{}"}}"#,
            strongroom_crypto::random::uuid_v4()
        ),
    )
    .await;
    vec![
        server.secret_access_key.clone(),
        creds.secret_access_key().to_owned(),
        creds.session_token().to_owned(),
        canary,
        canary_binary,
        encoded,
    ]
}

fn assert_absent(what: &str, haystack: &[u8], canaries: &[String]) {
    for canary in canaries {
        assert!(
            !haystack.windows(canary.len()).any(|w| w == canary.as_bytes()),
            "a secret ({} bytes) appears in {what}",
            canary.len()
        );
    }
}

async fn audit_bodies(server: &TestServer, store: &dyn strongroom_service::Store) -> String {
    let mut all = String::new();
    for chain in store.audit_chains().await.unwrap() {
        for record in store.audit_records(&chain, 0, 10_000).await.unwrap() {
            all.push_str(&record.body);
        }
    }
    assert!(
        all.contains(&server.access_key_id),
        "the audit trail should name the access key id"
    );
    all
}

#[tokio::test]
async fn canary_on_sqlite() {
    let logs = captured_logs();
    let mut server = TestServer::sqlite().await;
    let canaries = exercise(&server).await;
    let dir = server.data_dir();
    // Read the files while the server still runs, so the WAL still holds the latest writes.
    let mut saw_wal = false;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            saw_wal |= path.to_string_lossy().ends_with("-wal");
            assert_absent(
                &path.display().to_string(),
                &std::fs::read(&path).unwrap(),
                &canaries,
            );
        }
    }
    assert!(saw_wal, "SQLite should run in WAL mode");
    server.stop().await;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            assert_absent(
                &path.display().to_string(),
                &std::fs::read(&path).unwrap(),
                &canaries,
            );
        }
    }
    let opened = strongroom_server::startup::open(&server.config, &strongroom_types::SystemClock, false)
        .await
        .unwrap();
    assert_absent(
        "the audit trail",
        audit_bodies(&server, opened.store.as_ref()).await.as_bytes(),
        &canaries,
    );
    let logged = logs.lock().unwrap().clone();
    assert!(!logged.is_empty(), "the test should capture the server's logs");
    assert_absent("the logs", &logged, &canaries);
}

#[tokio::test]
async fn canary_on_postgres() {
    let logs = captured_logs();
    let url = std::env::var("STRONGROOM_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let schema = format!(
        "canary_{}_{}",
        std::process::id(),
        strongroom_crypto::random::alnum_suffix(8).to_lowercase()
    );
    let store = match PostgresStore::connect_in_schema(&url, &schema).await {
        Ok(store) => store,
        Err(err) => {
            assert!(
                std::env::var("STRONGROOM_REQUIRE_PG").is_err(),
                "PostgreSQL is required: {err}"
            );
            eprintln!("skipped: PostgreSQL not reachable at {url}: {err}");
            return;
        }
    };
    let store: Arc<dyn strongroom_service::Store> = Arc::new(store);
    let mut server = TestServer::on_store(Arc::clone(&store)).await;
    let canaries = exercise(&server).await;
    server.stop().await;

    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    let tables: Vec<(String,)> =
        sqlx::query_as("SELECT table_name::text FROM information_schema.tables WHERE table_schema = $1")
            .bind(&schema)
            .fetch_all(&pool)
            .await
            .unwrap();
    assert!(
        tables.len() >= 3,
        "expected the store's tables in {schema}, found {tables:?}"
    );
    let mut dump = String::new();
    for (table,) in &tables {
        let rows: Vec<(String,)> = sqlx::query_as(&format!(r#"SELECT t::text FROM "{schema}"."{table}" t"#))
            .fetch_all(&pool)
            .await
            .unwrap();
        for (row,) in rows {
            dump.push_str(&row);
            dump.push('\n');
        }
    }
    assert!(
        dump.contains(&server.access_key_id),
        "the dump should hold the access key id"
    );
    assert_absent("the PostgreSQL dump", dump.as_bytes(), &canaries);
    assert_absent(
        "the audit trail",
        audit_bodies(&server, store.as_ref()).await.as_bytes(),
        &canaries,
    );
    assert_absent("the logs", &logs.lock().unwrap(), &canaries);
    let _ = sqlx::query(&format!(r#"DROP SCHEMA "{schema}" CASCADE"#))
        .execute(&pool)
        .await;
}
