//! The built-in database rotators against real servers: PostgreSQL at 127.0.0.1:5432 (user `postgres`, database
//! `test`) and MariaDB/MySQL at 127.0.0.1:3306 (`root`, empty password). Each test makes users and databases
//! of its own and drops them, also when it fails. A server out of reach makes its tests print that they
//! skipped, unless `STRONGROOM_REQUIRE_PG=1` / `STRONGROOM_REQUIRE_MYSQL=1`.
//!
//! Covered: [`SqlxDatabaseAdmin`] directly (setting and checking passwords, cloning a user with its grants,
//! hostile user names refused before any SQL), and whole rotations through the server and the AWS SDK with
//! each built-in rotator (single user: the new AWSCURRENT logs in and the old password no longer does;
//! alternating users: AWSPREVIOUS keeps working).
//!
//! The local PostgreSQL trusts every login from 127.0.0.1, so a login proves nothing about a password there;
//! the PostgreSQL tests read the role's stored verifier instead (their database sets `password_encryption`
//! to `md5`, whose verifier `md5(password || user)` SQL can recompute).

// Test code: helpers outside `#[test]` functions may fail loudly too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use aws_sdk_secretsmanager::Client;
use common::TestServer;
use sqlx::{Connection as _, MySqlConnection, PgConnection};
use strongroom_crypto::SecretString;
use strongroom_server::rotation_db::SqlxDatabaseAdmin;
use strongroom_service::rotation::builtin::{DatabaseAdmin as _, DatabaseEngine, DatabaseLogin};
use strongroom_store::rotation::RotationStore as _;
use strongroom_store_sqlite::SqliteStore;

const PG_URL: &str = "postgres://postgres@127.0.0.1:5432/test";
const MYSQL_URL: &str = "mysql://root@127.0.0.1:3306";
const HOST: &str = "127.0.0.1";
const ALLOW_ALL: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
/// How long a test waits for the background engine (which looks every second) before it gives up.
const PATIENCE: Duration = Duration::from_secs(90);

// ---------------------------------------------------------------------------------------------------------
// Fixtures.

fn required(var: &str) -> bool {
    std::env::var(var).is_ok_and(|v| v == "1")
}

async fn pg_admin() -> Option<PgConnection> {
    let attempt = tokio::time::timeout(Duration::from_secs(5), PgConnection::connect(PG_URL)).await;
    let error = match attempt {
        Ok(Ok(conn)) => return Some(conn),
        Ok(Err(err)) => err.to_string(),
        Err(_) => "timed out".to_owned(),
    };
    assert!(
        !required("STRONGROOM_REQUIRE_PG"),
        "PostgreSQL not reachable at {PG_URL} ({error}) and STRONGROOM_REQUIRE_PG=1"
    );
    eprintln!("skipped: PostgreSQL not reachable at {PG_URL} ({error})");
    None
}

async fn mysql_admin() -> Option<MySqlConnection> {
    let attempt = tokio::time::timeout(Duration::from_secs(5), MySqlConnection::connect(MYSQL_URL)).await;
    let error = match attempt {
        Ok(Ok(conn)) => return Some(conn),
        Ok(Err(err)) => err.to_string(),
        Err(_) => "timed out".to_owned(),
    };
    assert!(
        !required("STRONGROOM_REQUIRE_MYSQL"),
        "MySQL/MariaDB not reachable at {MYSQL_URL} ({error}) and STRONGROOM_REQUIRE_MYSQL=1"
    );
    eprintln!("skipped: MySQL/MariaDB not reachable at {MYSQL_URL} ({error})");
    None
}

/// A user name no other test (in this or another process) uses, short enough for MySQL with `_clone`.
fn unique_user() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let random = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    format!(
        "sr{}_{n}_{:06x}",
        std::process::id() % 100_000,
        random & 0xff_ffff
    )
}

async fn exec_pg(conn: &mut PgConnection, sql: &str) {
    sqlx::Executor::execute(conn, sql)
        .await
        .unwrap_or_else(|err| panic!("{sql}: {err}"));
}

async fn exec_mysql(conn: &mut MySqlConnection, sql: &str) {
    sqlx::Executor::execute(conn, sql)
        .await
        .unwrap_or_else(|err| panic!("{sql}: {err}"));
}

/// Runs `body` (in a task, so that a failed assertion comes back as an error), then `cleanup`, then fails
/// as the body did.
async fn with_cleanup<B, C>(body: B, cleanup: C)
where
    B: Future<Output = ()> + Send + 'static,
    C: Future<Output = ()>,
{
    let outcome = tokio::spawn(body).await;
    cleanup.await;
    if let Err(err) = outcome {
        std::panic::resume_unwind(err.into_panic());
    }
}

/// A PostgreSQL user `name` with `password` (md5 verifier), a database `name` whose sessions store md5
/// verifiers, and a table `t` in it the user may read.
async fn pg_fixture(name: &str, password: &str) {
    let mut admin = pg_admin().await.unwrap();
    exec_pg(&mut admin, &format!("CREATE DATABASE \"{name}\"")).await;
    exec_pg(
        &mut admin,
        &format!("ALTER DATABASE \"{name}\" SET password_encryption = 'md5'"),
    )
    .await;
    exec_pg(&mut admin, "SET password_encryption = 'md5'").await;
    exec_pg(
        &mut admin,
        &format!("CREATE ROLE \"{name}\" WITH LOGIN PASSWORD '{password}'"),
    )
    .await;
    admin.close().await.unwrap();
    let mut db = pg_in(name).await;
    exec_pg(&mut db, "CREATE TABLE t (x int)").await;
    exec_pg(&mut db, &format!("GRANT SELECT ON t TO \"{name}\"")).await;
    db.close().await.unwrap();
}

/// The admin, in database `name`.
async fn pg_in(name: &str) -> PgConnection {
    PgConnection::connect(&format!("postgres://postgres@127.0.0.1:5432/{name}"))
        .await
        .unwrap()
}

async fn pg_cleanup(name: &str) {
    let Some(mut admin) = pg_admin().await else {
        return;
    };
    for sql in [
        format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
        format!("DROP ROLE IF EXISTS \"{name}_clone\""),
        format!("DROP ROLE IF EXISTS \"{name}\""),
    ] {
        if let Err(err) = sqlx::Executor::execute(&mut admin, sql.as_str()).await {
            eprintln!("cleanup: {sql}: {err}");
        }
    }
    let _ = admin.close().await;
}

/// Whether PostgreSQL would take `password` for `user`: its stored md5 verifier is `md5(password || user)`.
async fn pg_password_is(user: &str, password: &str) -> bool {
    let mut admin = pg_admin().await.unwrap();
    let stored: Option<String> = sqlx::query_scalar("SELECT rolpassword FROM pg_authid WHERE rolname = $1")
        .bind(user)
        .fetch_one(&mut admin)
        .await
        .unwrap();
    let stored = stored.unwrap_or_default();
    assert!(
        stored.starts_with("md5"),
        "the test needs md5 verifiers; {user} has {}",
        stored.get(..14).unwrap_or("none")
    );
    let matches: bool = sqlx::query_scalar("SELECT $1 = 'md5' || md5($2 || $3)")
        .bind(&stored)
        .bind(password)
        .bind(user)
        .fetch_one(&mut admin)
        .await
        .unwrap();
    let _ = admin.close().await;
    matches
}

/// A MySQL user `name`@`%` with `password`, and a database `name` with a table `t` the user may read and
/// write.
async fn mysql_fixture(name: &str, password: &str) {
    let mut admin = mysql_admin().await.unwrap();
    exec_mysql(&mut admin, &format!("CREATE DATABASE `{name}`")).await;
    exec_mysql(&mut admin, &format!("CREATE TABLE `{name}`.t (x int)")).await;
    exec_mysql(
        &mut admin,
        &format!("CREATE USER '{name}'@'%' IDENTIFIED BY '{password}'"),
    )
    .await;
    exec_mysql(
        &mut admin,
        &format!("GRANT SELECT, INSERT ON `{name}`.* TO '{name}'@'%'"),
    )
    .await;
    admin.close().await.unwrap();
}

async fn mysql_cleanup(name: &str) {
    let Some(mut admin) = mysql_admin().await else {
        return;
    };
    for sql in [
        format!("DROP DATABASE IF EXISTS `{name}`"),
        format!("DROP USER IF EXISTS '{name}_clone'@'%'"),
        format!("DROP USER IF EXISTS '{name}'@'%'"),
    ] {
        if let Err(err) = sqlx::Executor::execute(&mut admin, sql.as_str()).await {
            eprintln!("cleanup: {sql}: {err}");
        }
    }
    let _ = admin.close().await;
}

fn login<'a>(
    engine: DatabaseEngine,
    dbname: Option<&'a str>,
    username: &'a str,
    password: &'a SecretString,
) -> DatabaseLogin<'a> {
    DatabaseLogin {
        engine,
        host: HOST,
        port: match engine {
            DatabaseEngine::Postgres => 5432,
            DatabaseEngine::Mysql => 3306,
        },
        dbname,
        username,
        password,
    }
}

async fn mysql_logs_in(user: &str, password: &str, dbname: &str) -> Result<(), String> {
    let password = SecretString::from(password);
    SqlxDatabaseAdmin::new()
        .check_login(&login(DatabaseEngine::Mysql, Some(dbname), user, &password))
        .await
}

/// `SHOW GRANTS FOR user@'%'`, one string per row.
async fn mysql_grants(user: &str) -> Vec<String> {
    let mut admin = mysql_admin().await.unwrap();
    let rows: Vec<String> = sqlx::query_scalar(&format!("SHOW GRANTS FOR '{user}'@'%'"))
        .fetch_all(&mut admin)
        .await
        .unwrap();
    let _ = admin.close().await;
    rows
}

// ---------------------------------------------------------------------------------------------------------
// DatabaseAdmin directly.

#[tokio::test]
async fn postgres_admin_sets_and_checks_passwords() {
    if pg_admin().await.is_none() {
        return;
    }
    let name = unique_user();
    let body_name = name.clone();
    with_cleanup(
        async move {
            let name = body_name;
            pg_fixture(&name, "first-password").await;
            let admin = SqlxDatabaseAdmin::new();
            let old = SecretString::from("first-password");
            admin
                .check_login(&login(DatabaseEngine::Postgres, Some(&name), &name, &old))
                .await
                .unwrap();
            // The user changes its own password; quotes and backslashes arrive as they are.
            let new = SecretString::from(r#"n3w'pa\ss"word$$;--"#);
            admin
                .set_password(
                    &login(DatabaseEngine::Postgres, Some(&name), &name, &old),
                    &name,
                    &new,
                    None,
                )
                .await
                .unwrap();
            assert!(pg_password_is(&name, r#"n3w'pa\ss"word$$;--"#).await);
            assert!(!pg_password_is(&name, "first-password").await);
            // Again: nothing changes twice.
            admin
                .set_password(
                    &login(DatabaseEngine::Postgres, Some(&name), &name, &new),
                    &name,
                    &new,
                    None,
                )
                .await
                .unwrap();
            assert!(pg_password_is(&name, r#"n3w'pa\ss"word$$;--"#).await);
            // A server that is not there is an error, soon.
            let nowhere = DatabaseLogin {
                port: 1,
                ..login(DatabaseEngine::Postgres, None, &name, &new)
            };
            let err = admin.check_login(&nowhere).await.unwrap_err();
            assert!(err.contains("127.0.0.1:1"), "{err}");
            assert!(!err.contains("n3w"), "{err}");
        },
        pg_cleanup(&name),
    )
    .await;
}

#[tokio::test]
async fn postgres_admin_clones_a_user_with_its_grants() {
    if pg_admin().await.is_none() {
        return;
    }
    let name = unique_user();
    let body_name = name.clone();
    with_cleanup(
        async move {
            let name = body_name;
            let clone = format!("{name}_clone");
            pg_fixture(&name, "first-password").await;
            let admin = SqlxDatabaseAdmin::new();
            let master_password = SecretString::from("unused-with-trust");
            let master = login(
                DatabaseEngine::Postgres,
                Some(&name),
                "postgres",
                &master_password,
            );
            let clone_password = SecretString::from("clone-password-1");
            admin
                .set_password(&master, &clone, &clone_password, Some(&name))
                .await
                .unwrap();
            assert!(pg_password_is(&clone, "clone-password-1").await);
            let mut db = pg_in(&name).await;
            let (member, select): (bool, bool) = sqlx::query_as(
                "SELECT pg_has_role($1, $2, 'MEMBER'), has_table_privilege($1, 't', 'SELECT')",
            )
            .bind(&clone)
            .bind(&name)
            .fetch_one(&mut db)
            .await
            .unwrap();
            assert!(member && select, "member {member}, select {select}");
            let _ = db.close().await;
            // The clone exists now: only its password changes; the original is untouched.
            let second = SecretString::from("clone-password-2");
            admin
                .set_password(&master, &clone, &second, Some(&name))
                .await
                .unwrap();
            assert!(pg_password_is(&clone, "clone-password-2").await);
            assert!(pg_password_is(&name, "first-password").await);
        },
        pg_cleanup(&name),
    )
    .await;
}

#[tokio::test]
async fn hostile_user_names_are_refused_before_any_sql() {
    let admin = SqlxDatabaseAdmin::new();
    let password = SecretString::from("whatever-password");
    for engine in [DatabaseEngine::Postgres, DatabaseEngine::Mysql] {
        // Port 1: were anything sent, the error would say the server is out of reach.
        let master = DatabaseLogin {
            port: 1,
            ..login(engine, None, "root", &password)
        };
        for hostile in [
            "x\" WITH SUPERUSER --",
            "x'@'%' IDENTIFIED BY 'p'; DROP USER root; --",
            "x`; DROP DATABASE test; --",
            "x; DROP ROLE postgres",
            "x y",
            "",
            "x\0",
        ] {
            let err = admin
                .set_password(&master, hostile, &password, None)
                .await
                .unwrap_err();
            assert!(err.starts_with("refusing user name"), "{hostile:?}: {err}");
            let err = admin
                .set_password(&master, "fine", &password, Some(hostile))
                .await
                .unwrap_err();
            assert!(err.starts_with("refusing user name"), "{hostile:?}: {err}");
        }
        let socket = DatabaseLogin {
            host: "/var/run/postgresql",
            ..login(engine, None, "root", &password)
        };
        let err = admin.check_login(&socket).await.unwrap_err();
        assert!(err.starts_with("refusing database host"), "{err}");
    }
}

#[tokio::test]
async fn mysql_admin_sets_and_checks_passwords() {
    if mysql_admin().await.is_none() {
        return;
    }
    let name = unique_user();
    let body_name = name.clone();
    with_cleanup(
        async move {
            let name = body_name;
            mysql_fixture(&name, "first-password").await;
            mysql_logs_in(&name, "first-password", &name).await.unwrap();
            assert!(mysql_logs_in(&name, "wrong", &name).await.is_err());
            let admin = SqlxDatabaseAdmin::new();
            let old = SecretString::from("first-password");
            let tricky = r#"n3w'pa\ss"word`;--%"#;
            let new = SecretString::from(tricky);
            admin
                .set_password(
                    &login(DatabaseEngine::Mysql, Some(&name), &name, &old),
                    &name,
                    &new,
                    None,
                )
                .await
                .unwrap();
            mysql_logs_in(&name, tricky, &name).await.unwrap();
            let err = mysql_logs_in(&name, "first-password", &name).await.unwrap_err();
            assert!(err.contains("Access denied"), "{err}");
            assert!(!err.contains("first-password"), "{err}");
        },
        mysql_cleanup(&name),
    )
    .await;
}

#[tokio::test]
async fn mysql_admin_clones_a_user_with_its_grants() {
    if mysql_admin().await.is_none() {
        return;
    }
    let name = unique_user();
    let body_name = name.clone();
    with_cleanup(
        async move {
            let name = body_name;
            let clone = format!("{name}_clone");
            mysql_fixture(&name, "first-password").await;
            let admin = SqlxDatabaseAdmin::new();
            let root_password = SecretString::from("");
            let master = login(DatabaseEngine::Mysql, Some(&name), "root", &root_password);
            let first = SecretString::from("clone'pass\\1");
            admin
                .set_password(&master, &clone, &first, Some(&name))
                .await
                .unwrap();
            mysql_logs_in(&clone, "clone'pass\\1", &name).await.unwrap();
            let grants = mysql_grants(&clone).await;
            assert!(
                grants
                    .iter()
                    .any(|g| g.contains("SELECT, INSERT") && g.contains(&format!("`{name}`.*"))),
                "{grants:?}"
            );
            // Again with another password: the clone keeps its grants and takes the new password only.
            let second = SecretString::from("clone-pass-2");
            admin
                .set_password(&master, &clone, &second, Some(&name))
                .await
                .unwrap();
            mysql_logs_in(&clone, "clone-pass-2", &name).await.unwrap();
            assert!(mysql_logs_in(&clone, "clone'pass\\1", &name).await.is_err());
            mysql_logs_in(&name, "first-password", &name).await.unwrap();
            // A template that does not exist is an error, and makes no user.
            let err = admin
                .set_password(&master, "sr_nobody_clone", &second, Some("sr_nobody"))
                .await
                .unwrap_err();
            assert!(err.contains("does not exist"), "{err}");
        },
        mysql_cleanup(&name),
    )
    .await;
}

// ---------------------------------------------------------------------------------------------------------
// Whole rotations through the server.

struct Rotating {
    server: TestServer,
    store: Arc<SqliteStore>,
    client: Client,
    function: String,
}

impl Rotating {
    /// A server with `rotator` registered as a built-in function.
    async fn start(rotator: &str) -> Self {
        let store = Arc::new(SqliteStore::memory().await.unwrap());
        let server = TestServer::on_store(Arc::clone(&store) as Arc<dyn strongroom_service::Store>).await;
        let client = secrets(&server);
        let role = create_rotator_role(&server).await;
        let function = register_builtin(&server, "db", rotator, &role).await;
        Self {
            server,
            store,
            client,
            function,
        }
    }

    async fn create(&self, name: &str, value: &serde_json::Value) -> String {
        self.client
            .create_secret()
            .name(name)
            .secret_string(value.to_string())
            .send()
            .await
            .unwrap()
            .arn()
            .unwrap()
            .to_owned()
    }

    /// Rotates `secret` now and waits until its new version is AWSCURRENT.
    async fn rotate(&self, secret: &str) {
        let rotated = self
            .client
            .rotate_secret()
            .secret_id(secret)
            .rotation_lambda_arn(&self.function)
            .rotation_rules(
                aws_sdk_secretsmanager::types::RotationRulesType::builder()
                    .schedule_expression("rate(4 hours)")
                    .build(),
            )
            .send()
            .await
            .unwrap();
        let token = rotated.version_id().unwrap().to_owned();
        let arn = rotated.arn().unwrap().to_owned();
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let described = self
                .client
                .describe_secret()
                .secret_id(secret)
                .send()
                .await
                .unwrap();
            let stages = described
                .version_ids_to_stages()
                .and_then(|map| map.get(&token).cloned())
                .unwrap_or_default();
            if stages.iter().any(|s| s == "AWSCURRENT") {
                return;
            }
            if tokio::time::Instant::now() > deadline {
                let job = self.store.rotation_job(&arn).await.unwrap();
                panic!(
                    "the rotation did not finish; last error: {:?}",
                    job.and_then(|j| j.last_error)
                );
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    async fn value(&self, secret: &str, stage: &str) -> serde_json::Value {
        let got = self
            .client
            .get_secret_value()
            .secret_id(secret)
            .version_stage(stage)
            .send()
            .await
            .unwrap();
        serde_json::from_str(got.secret_string().unwrap()).unwrap()
    }

    async fn stop(mut self) {
        self.server.stop().await;
    }
}

fn secrets(server: &TestServer) -> Client {
    let credentials = aws_sdk_secretsmanager::config::Credentials::new(
        &server.access_key_id,
        &server.secret_access_key,
        None,
        None,
        "test",
    );
    let config = aws_sdk_secretsmanager::Config::builder()
        .endpoint_url(&server.endpoint)
        .region(aws_sdk_secretsmanager::config::Region::new("us-east-1"))
        .credentials_provider(credentials)
        .behavior_version(aws_sdk_secretsmanager::config::BehaviorVersion::latest())
        .build();
    Client::from_conf(config)
}

/// A role the engine may act as, allowed everything.
async fn create_rotator_role(server: &TestServer) -> String {
    let credentials = aws_sdk_iam::config::Credentials::new(
        &server.access_key_id,
        &server.secret_access_key,
        None,
        None,
        "test",
    );
    let config = aws_sdk_iam::Config::builder()
        .endpoint_url(&server.endpoint)
        .region(aws_sdk_iam::config::Region::new("us-east-1"))
        .credentials_provider(credentials)
        .behavior_version(aws_sdk_iam::config::BehaviorVersion::latest())
        .build();
    let client = aws_sdk_iam::Client::from_conf(config);
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"secretsmanager.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    let role = client
        .create_role()
        .role_name("rotator")
        .assume_role_policy_document(trust)
        .send()
        .await
        .unwrap();
    client
        .put_role_policy()
        .role_name("rotator")
        .policy_name("all")
        .policy_document(ALLOW_ALL)
        .send()
        .await
        .unwrap();
    role.role().unwrap().arn().to_owned()
}

async fn register_builtin(server: &TestServer, name: &str, rotator: &str, role: &str) -> String {
    let body = serde_json::json!({
        "FunctionName": name,
        "Kind": "builtin",
        "Configuration": serde_json::json!({ "rotator": rotator }).to_string(),
        "Role": role,
    })
    .to_string();
    let reply = server
        .request("strongroom")
        .json_target("StrongroomRotation.CreateRotationFunction", &body)
        .send()
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let value: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    value["Function"]["FunctionArn"].as_str().unwrap().to_owned()
}

fn text<'a>(value: &'a serde_json::Value, key: &str) -> &'a str {
    value[key].as_str().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_single_user_rotation() {
    if pg_admin().await.is_none() {
        return;
    }
    let name = unique_user();
    let body_name = name.clone();
    with_cleanup(
        async move {
            let name = body_name;
            pg_fixture(&name, "first-password").await;
            let rotating = Rotating::start("postgresql-single-user").await;
            let secret = serde_json::json!({
                "engine": "postgres", "host": HOST, "port": 5432, "username": name,
                "password": "first-password", "dbname": name,
            });
            rotating.create("app/pg", &secret).await;
            rotating.rotate("app/pg").await;
            let current = rotating.value("app/pg", "AWSCURRENT").await;
            assert_eq!(text(&current, "username"), name);
            assert_eq!(text(&current, "engine"), "postgres");
            let new = text(&current, "password");
            assert_ne!(new, "first-password");
            assert!(pg_password_is(&name, new).await);
            assert!(!pg_password_is(&name, "first-password").await);
            let previous = rotating.value("app/pg", "AWSPREVIOUS").await;
            assert_eq!(text(&previous, "password"), "first-password");
            // A second rotation starts from the new password.
            rotating.rotate("app/pg").await;
            let third = rotating.value("app/pg", "AWSCURRENT").await;
            assert!(pg_password_is(&name, text(&third, "password")).await);
            assert!(!pg_password_is(&name, new).await);
            rotating.stop().await;
        },
        pg_cleanup(&name),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_alternating_users_rotation() {
    if pg_admin().await.is_none() {
        return;
    }
    let name = unique_user();
    let body_name = name.clone();
    with_cleanup(
        async move {
            let name = body_name;
            let clone = format!("{name}_clone");
            pg_fixture(&name, "first-password").await;
            let rotating = Rotating::start("postgresql-alternating-users").await;
            let master = serde_json::json!({
                "engine": "postgres", "host": HOST, "port": 5432, "username": "postgres",
                "password": "unused-with-trust", "dbname": "test",
            });
            let master_arn = rotating.create("master/pg", &master).await;
            let secret = serde_json::json!({
                "engine": "postgres", "host": HOST, "port": 5432, "username": name,
                "password": "first-password", "dbname": name, "masterarn": master_arn,
            });
            rotating.create("app/pg", &secret).await;

            rotating.rotate("app/pg").await;
            let current = rotating.value("app/pg", "AWSCURRENT").await;
            assert_eq!(text(&current, "username"), clone);
            assert_eq!(text(&current, "masterarn"), master_arn);
            let clone_password = text(&current, "password").to_owned();
            assert!(pg_password_is(&clone, &clone_password).await);
            // AWSPREVIOUS is the original user, whose password did not change.
            let previous = rotating.value("app/pg", "AWSPREVIOUS").await;
            assert_eq!(text(&previous, "username"), name);
            assert!(pg_password_is(&name, "first-password").await);
            let mut db = pg_in(&name).await;
            let select: bool = sqlx::query_scalar("SELECT has_table_privilege($1, 't', 'SELECT')")
                .bind(&clone)
                .fetch_one(&mut db)
                .await
                .unwrap();
            assert!(select, "the clone has the original's privileges");
            let _ = db.close().await;

            // The next rotation goes back to the original user, with a new password; the clone stays valid.
            rotating.rotate("app/pg").await;
            let current = rotating.value("app/pg", "AWSCURRENT").await;
            assert_eq!(text(&current, "username"), name);
            assert!(pg_password_is(&name, text(&current, "password")).await);
            assert!(!pg_password_is(&name, "first-password").await);
            let previous = rotating.value("app/pg", "AWSPREVIOUS").await;
            assert_eq!(text(&previous, "username"), clone);
            assert!(pg_password_is(&clone, &clone_password).await);
            rotating.stop().await;
        },
        pg_cleanup(&name),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_single_user_rotation() {
    if mysql_admin().await.is_none() {
        return;
    }
    let name = unique_user();
    let body_name = name.clone();
    with_cleanup(
        async move {
            let name = body_name;
            mysql_fixture(&name, "first-password").await;
            let rotating = Rotating::start("mysql-single-user").await;
            let secret = serde_json::json!({
                "engine": "mysql", "host": HOST, "port": "3306", "username": name,
                "password": "first-password", "dbname": name,
            });
            rotating.create("app/mysql", &secret).await;
            rotating.rotate("app/mysql").await;
            let current = rotating.value("app/mysql", "AWSCURRENT").await;
            assert_eq!(text(&current, "username"), name);
            let new = text(&current, "password");
            assert_ne!(new, "first-password");
            mysql_logs_in(&name, new, &name).await.unwrap();
            assert!(mysql_logs_in(&name, "first-password", &name).await.is_err());
            rotating.stop().await;
        },
        mysql_cleanup(&name),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_alternating_users_rotation() {
    if mysql_admin().await.is_none() {
        return;
    }
    let name = unique_user();
    let body_name = name.clone();
    with_cleanup(
        async move {
            let name = body_name;
            let clone = format!("{name}_clone");
            mysql_fixture(&name, "first-password").await;
            let rotating = Rotating::start("mysql-alternating-users").await;
            let master = serde_json::json!({
                "engine": "mysql", "host": HOST, "port": 3306, "username": "root", "password": "",
            });
            let master_arn = rotating.create("master/mysql", &master).await;
            let secret = serde_json::json!({
                "engine": "mysql", "host": HOST, "port": 3306, "username": name,
                "password": "first-password", "dbname": name, "masterarn": master_arn,
            });
            rotating.create("app/mysql", &secret).await;

            rotating.rotate("app/mysql").await;
            let current = rotating.value("app/mysql", "AWSCURRENT").await;
            assert_eq!(text(&current, "username"), clone);
            let clone_password = text(&current, "password").to_owned();
            mysql_logs_in(&clone, &clone_password, &name).await.unwrap();
            let previous = rotating.value("app/mysql", "AWSPREVIOUS").await;
            assert_eq!(text(&previous, "username"), name);
            mysql_logs_in(&name, text(&previous, "password"), &name)
                .await
                .unwrap();
            let grants = mysql_grants(&clone).await;
            assert!(grants.iter().any(|g| g.contains("SELECT, INSERT")), "{grants:?}");

            rotating.rotate("app/mysql").await;
            let current = rotating.value("app/mysql", "AWSCURRENT").await;
            assert_eq!(text(&current, "username"), name);
            mysql_logs_in(&name, text(&current, "password"), &name)
                .await
                .unwrap();
            assert!(mysql_logs_in(&name, "first-password", &name).await.is_err());
            let previous = rotating.value("app/mysql", "AWSPREVIOUS").await;
            assert_eq!(text(&previous, "username"), clone);
            mysql_logs_in(&clone, &clone_password, &name).await.unwrap();
            rotating.stop().await;
        },
        mysql_cleanup(&name),
    )
    .await;
}
