//! The database side of the built-in PostgreSQL and MySQL/MariaDB rotators ([`DatabaseAdmin`]), with sqlx,
//! as AWS's rotation templates do it.
//!
//! - PostgreSQL: `ALTER ROLE u WITH PASSWORD …`; a missing user is created with `CREATE ROLE u WITH LOGIN
//!   PASSWORD …` and `GRANT template TO u` (membership in the role it clones), in one transaction.
//! - MySQL/MariaDB: a user changes its own password with `SET PASSWORD = …`; the master creates a missing
//!   user with `CREATE USER … IDENTIFIED BY …`, replays `SHOW GRANTS FOR template` onto it (on every call,
//!   as AWS's template does) and sets its password with `SET PASSWORD FOR …`.
//!
//! Every user name is checked (letters, digits, `_ - . $`) and then quoted; neither engine takes a bound
//! parameter for a password in these statements, so the password is written as a string literal escaped for
//! the session (PostgreSQL `E'…'`; MySQL with or without `NO_BACKSLASH_ESCAPES`), in a buffer that is
//! zeroed when dropped. Statement logging is off on these connections and errors of statements that carry a
//! password never quote the database's message when it could hold it. Connections use TLS when the server
//! offers it (sslmode `prefer`, unverified, like libpq's default) and give up after [`CONNECT_TIMEOUT`].

use std::pin::Pin;
use std::time::Duration;

use secrecy::ExposeSecret as _;
use sqlx::mysql::{MySqlConnectOptions, MySqlConnection, MySqlSslMode};
use sqlx::postgres::{PgConnectOptions, PgConnection, PgSslMode};
use sqlx::{ConnectOptions as _, Connection as _};
use strongroom_crypto::SecretString;
use strongroom_service::rotation::builtin::{DatabaseAdmin, DatabaseEngine, DatabaseLogin};
use zeroize::Zeroizing;

/// How long connecting (TCP, TLS, authentication) may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one whole operation (connect, statements, disconnect) may take.
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(30);
/// The database AWS's PostgreSQL templates log in to when the secret names none.
const DEFAULT_PG_DATABASE: &str = "postgres";
/// The `application_name` of our PostgreSQL sessions.
const APPLICATION_NAME: &str = "strongroom-rotation";

/// A boxed database future. The helpers below return these rather than being `async fn`s: the compiler
/// cannot prove an `async fn`'s future `Send` when it holds sqlx executor futures under higher-ranked
/// lifetimes (rust-lang/rust#102211), and `async_trait` needs `Send`.
type DbFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, String>> + Send + 'a>>;

/// The built-in rotators' database access, over sqlx.
#[derive(Debug, Clone, Default)]
pub struct SqlxDatabaseAdmin;

impl SqlxDatabaseAdmin {
    pub fn new() -> Self {
        Self
    }
}

#[async_trait::async_trait]
impl DatabaseAdmin for SqlxDatabaseAdmin {
    async fn check_login(&self, login: &DatabaseLogin<'_>) -> Result<(), String> {
        within(OPERATION_TIMEOUT, async {
            match login.engine {
                DatabaseEngine::Postgres => {
                    let mut conn = pg_connect(login).await?;
                    let probe = sqlx::query("SELECT 1").execute(&mut conn).await;
                    let _ = conn.close().await;
                    probe
                        .map(drop)
                        .map_err(|err| format!("querying PostgreSQL: {err}"))
                }
                DatabaseEngine::Mysql => {
                    let mut conn = mysql_connect(login).await?;
                    let probe = sqlx::query("SELECT 1").execute(&mut conn).await;
                    let _ = conn.close().await;
                    probe.map(drop).map_err(|err| format!("querying MySQL: {err}"))
                }
            }
        })
        .await
    }

    async fn set_password(
        &self,
        admin: &DatabaseLogin<'_>,
        user: &str,
        password: &SecretString,
        copy_grants_from: Option<&str>,
    ) -> Result<(), String> {
        check_username(admin.engine, user)?;
        if let Some(template) = copy_grants_from {
            check_username(admin.engine, template)?;
        }
        check_password(password)?;
        within(OPERATION_TIMEOUT, async {
            match admin.engine {
                DatabaseEngine::Postgres => pg_set_password(admin, user, password, copy_grants_from).await,
                DatabaseEngine::Mysql => mysql_set_password(admin, user, password, copy_grants_from).await,
            }
        })
        .await
    }
}

async fn within<T>(limit: Duration, work: impl Future<Output = Result<T, String>>) -> Result<T, String> {
    tokio::time::timeout(limit, work).await.unwrap_or_else(|_| {
        Err(format!(
            "the database did not answer within {} s",
            limit.as_secs()
        ))
    })
}

// ---------------------------------------------------------------------------------------------------------
// Names and literals.

/// The longest user name each engine takes (PostgreSQL's `NAMEDATALEN - 1`; MariaDB's 80, MySQL's 32 is
/// checked by the server).
fn max_username_len(engine: DatabaseEngine) -> usize {
    match engine {
        DatabaseEngine::Postgres => 63,
        DatabaseEngine::Mysql => 80,
    }
}

/// A user name the rotators accept: 1 to the engine's limit of ASCII letters, digits, `_`, `-`, `.`, `$`.
/// Anything else (quotes, backticks, spaces, `@`, `;`, control characters) is refused before any SQL is
/// written.
pub fn check_username(engine: DatabaseEngine, name: &str) -> Result<(), String> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '$');
    if name.is_empty() || name.len() > max_username_len(engine) || !name.chars().all(allowed) {
        return Err(format!(
            "refusing user name {:?}: a user name is 1 to {} of A-Z, a-z, 0-9, _, -, ., $",
            name.chars().take(100).collect::<String>(),
            max_username_len(engine)
        ));
    }
    Ok(())
}

fn check_password(password: &SecretString) -> Result<(), String> {
    let text = password.expose_secret();
    if text.is_empty() {
        return Err("refusing to set an empty password".to_owned());
    }
    if text.contains('\0') {
        return Err("refusing a password with a NUL character".to_owned());
    }
    Ok(())
}

/// A host to connect to over TCP: not a Unix socket directory, no spaces or control characters.
fn check_host(host: &str) -> Result<(), String> {
    if host.is_empty() || host.starts_with('/') || host.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "refusing database host {:?}: give a host name or address",
            host.chars().take(100).collect::<String>()
        ));
    }
    Ok(())
}

/// `"name"` for PostgreSQL.
pub fn pg_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A PostgreSQL string literal of `text`: `E'…'` with `\` and `'` doubled, which reads the same whatever
/// `standard_conforming_strings` says.
pub fn pg_literal(text: &str) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(text.len() + 4));
    out.push_str("E'");
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("''"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// A MySQL string literal of `text`: `'` doubled, and `\` doubled unless the session has
/// `NO_BACKSLASH_ESCAPES` (where a backslash is an ordinary character).
pub fn mysql_literal(text: &str, no_backslash_escapes: bool) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(text.len() + 2));
    out.push('\'');
    for c in text.chars() {
        match c {
            '\\' if !no_backslash_escapes => out.push_str("\\\\"),
            '\'' => out.push_str("''"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// The error of a statement that carried `password`: the database's code, and its message only when the
/// message cannot be quoting the statement (not a syntax error, and without the password in it).
fn password_statement_error(what: &str, err: &sqlx::Error, password: &SecretString) -> String {
    let sqlx::Error::Database(db) = err else {
        return format!("{what} failed: {err}");
    };
    let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
    let message = db.message();
    // 42601: PostgreSQL's syntax_error; 1064: MySQL's ER_PARSE_ERROR ("… near '<statement text>'").
    let quotes_statement = code == "42601" || (code == "42000" && message.contains("near "));
    if quotes_statement || message.contains(password.expose_secret()) {
        format!("{what} failed (database error {code})")
    } else {
        format!("{what} failed: {message} (database error {code})")
    }
}

// ---------------------------------------------------------------------------------------------------------
// PostgreSQL.

async fn pg_connect(login: &DatabaseLogin<'_>) -> Result<PgConnection, String> {
    check_host(login.host)?;
    let options = PgConnectOptions::new_without_pgpass()
        .host(login.host)
        .port(login.port)
        .username(login.username)
        .password(login.password.expose_secret())
        .database(login.dbname.unwrap_or(DEFAULT_PG_DATABASE))
        .ssl_mode(PgSslMode::Prefer)
        .application_name(APPLICATION_NAME)
        .disable_statement_logging();
    match tokio::time::timeout(CONNECT_TIMEOUT, options.connect()).await {
        Ok(Ok(conn)) => Ok(conn),
        Ok(Err(err)) => Err(format!(
            "logging in to PostgreSQL at {}:{} as {}: {err}",
            login.host, login.port, login.username
        )),
        Err(_) => Err(format!(
            "logging in to PostgreSQL at {}:{}: no answer within {} s",
            login.host,
            login.port,
            CONNECT_TIMEOUT.as_secs()
        )),
    }
}

async fn pg_set_password(
    admin: &DatabaseLogin<'_>,
    user: &str,
    password: &SecretString,
    copy_grants_from: Option<&str>,
) -> Result<(), String> {
    let mut conn = pg_connect(admin).await?;
    let result = pg_set_password_on(&mut conn, user, password, copy_grants_from).await;
    let _ = conn.close().await;
    result
}

fn pg_set_password_on<'a>(
    conn: &'a mut PgConnection,
    user: &'a str,
    password: &'a SecretString,
    copy_grants_from: Option<&'a str>,
) -> DbFuture<'a, ()> {
    Box::pin(async move {
        let mut tx = conn
            .begin()
            .await
            .map_err(|err| format!("starting a transaction: {err}"))?;
        let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)")
            .bind(user)
            .fetch_one(&mut *tx)
            .await
            .map_err(|err| format!("looking up role {user}: {err}"))?;
        let literal = pg_literal(password.expose_secret());
        if exists {
            let sql = Zeroizing::new(format!(
                "ALTER ROLE {} WITH PASSWORD {}",
                pg_ident(user),
                *literal
            ));
            sqlx::Executor::execute(&mut *tx, sql.as_str())
                .await
                .map_err(|err| password_statement_error(&format!("ALTER ROLE {user}"), &err, password))?;
        } else {
            let sql = Zeroizing::new(format!(
                "CREATE ROLE {} WITH LOGIN PASSWORD {}",
                pg_ident(user),
                *literal
            ));
            sqlx::Executor::execute(&mut *tx, sql.as_str())
                .await
                .map_err(|err| password_statement_error(&format!("CREATE ROLE {user}"), &err, password))?;
            if let Some(template) = copy_grants_from {
                let grant = format!("GRANT {} TO {}", pg_ident(template), pg_ident(user));
                sqlx::Executor::execute(&mut *tx, grant.as_str())
                    .await
                    .map_err(|err| format!("GRANT {template} TO {user} failed: {err}"))?;
            }
        }
        tx.commit()
            .await
            .map_err(|err| format!("committing the password change of {user}: {err}"))
    })
}

// ---------------------------------------------------------------------------------------------------------
// MySQL and MariaDB.

async fn mysql_connect(login: &DatabaseLogin<'_>) -> Result<MySqlConnection, String> {
    check_host(login.host)?;
    let mut options = MySqlConnectOptions::new()
        .host(login.host)
        .port(login.port)
        .username(login.username)
        .ssl_mode(MySqlSslMode::Preferred)
        .disable_statement_logging();
    // An empty password is no password: sqlx would send the scramble of "" (which the server refuses)
    // rather than the empty answer of an account without one.
    if !login.password.expose_secret().is_empty() {
        options = options.password(login.password.expose_secret());
    }
    if let Some(dbname) = login.dbname {
        options = options.database(dbname);
    }
    match tokio::time::timeout(CONNECT_TIMEOUT, options.connect()).await {
        Ok(Ok(conn)) => Ok(conn),
        Ok(Err(err)) => Err(format!(
            "logging in to MySQL at {}:{} as {}: {err}",
            login.host, login.port, login.username
        )),
        Err(_) => Err(format!(
            "logging in to MySQL at {}:{}: no answer within {} s",
            login.host,
            login.port,
            CONNECT_TIMEOUT.as_secs()
        )),
    }
}

/// What the session is: which password syntax the server wants and how literals are escaped.
struct MysqlSession {
    /// MariaDB (or MySQL before 5.7.6): `SET PASSWORD` takes `PASSWORD('…')`; later MySQL takes the
    /// plain text.
    password_function: bool,
    no_backslash_escapes: bool,
}

fn mysql_session(conn: &mut MySqlConnection) -> DbFuture<'_, MysqlSession> {
    Box::pin(async move {
        let (version, sql_mode): (String, String) = sqlx::query_as("SELECT VERSION(), @@SESSION.sql_mode")
            .fetch_one(&mut *conn)
            .await
            .map_err(|err| format!("reading the server version: {err}"))?;
        Ok(MysqlSession {
            password_function: mysql_wants_password_function(&version),
            no_backslash_escapes: sql_mode
                .split(',')
                .any(|m| m.eq_ignore_ascii_case("NO_BACKSLASH_ESCAPES")),
        })
    })
}

/// Whether `SET PASSWORD` on a server of `version` needs `PASSWORD('…')`: MariaDB, and MySQL before 5.7.6
/// (where the literal is the hash), unlike MySQL 5.7.6 and later (where the literal is the password and
/// `PASSWORD()` is gone in 8.0).
pub fn mysql_wants_password_function(version: &str) -> bool {
    if version.to_ascii_lowercase().contains("mariadb") {
        return true;
    }
    let mut parts = version
        .split(|c: char| !c.is_ascii_digit())
        .map(|p| p.parse::<u32>().unwrap_or(0));
    let triple = (
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
    );
    triple < (5, 7, 6)
}

impl MysqlSession {
    fn literal(&self, text: &str) -> Zeroizing<String> {
        mysql_literal(text, self.no_backslash_escapes)
    }

    fn password_value(&self, password: &SecretString) -> Zeroizing<String> {
        let literal = self.literal(password.expose_secret());
        if self.password_function {
            Zeroizing::new(format!("PASSWORD({})", *literal))
        } else {
            literal
        }
    }

    /// `'user'@'host'`.
    fn account(&self, user: &str, host: &str) -> String {
        format!("{}@{}", *self.literal(user), *self.literal(host))
    }
}

async fn mysql_set_password(
    admin: &DatabaseLogin<'_>,
    user: &str,
    password: &SecretString,
    copy_grants_from: Option<&str>,
) -> Result<(), String> {
    let mut conn = mysql_connect(admin).await?;
    let result = mysql_set_password_on(
        &mut conn,
        admin.username == user,
        user,
        password,
        copy_grants_from,
    )
    .await;
    let _ = conn.close().await;
    result
}

fn mysql_execute<'a>(
    conn: &'a mut MySqlConnection,
    sql: &'a str,
    what: &'a str,
    password: &'a SecretString,
) -> DbFuture<'a, ()> {
    Box::pin(async move {
        sqlx::Executor::execute(&mut *conn, sql)
            .await
            .map(drop)
            .map_err(|err| password_statement_error(what, &err, password))
    })
}

fn mysql_set_password_on<'a>(
    conn: &'a mut MySqlConnection,
    own: bool,
    user: &'a str,
    password: &'a SecretString,
    copy_grants_from: Option<&'a str>,
) -> DbFuture<'a, ()> {
    Box::pin(async move {
        let session = mysql_session(conn).await?;
        if own && copy_grants_from.is_none() {
            // The user changes its own password: no privilege needed, and no question of which host.
            let sql = Zeroizing::new(format!("SET PASSWORD = {}", *session.password_value(password)));
            return mysql_execute(conn, &sql, &format!("SET PASSWORD for {user}"), password).await;
        }
        let existing = mysql_host(conn, user).await?;
        let template = match copy_grants_from {
            Some(template) => Some((
                template,
                mysql_host(conn, template)
                    .await?
                    .ok_or_else(|| format!("the user {template} to copy grants from does not exist"))?,
            )),
            None => None,
        };
        let host = match (&existing, &template) {
            (Some(host), _) => host.clone(),
            (None, Some((_, template_host))) => template_host.clone(),
            (None, None) => "%".to_owned(),
        };
        let account = session.account(user, &host);
        if existing.is_none() {
            let sql = Zeroizing::new(format!(
                "CREATE USER {account} IDENTIFIED BY {}",
                *session.literal(password.expose_secret())
            ));
            mysql_execute(conn, &sql, &format!("CREATE USER {user}"), password).await?;
        }
        if let Some((template, template_host)) = &template {
            let rows: Vec<String> = sqlx::query_scalar(&format!(
                "SHOW GRANTS FOR {}",
                session.account(template, template_host)
            ))
            .fetch_all(&mut *conn)
            .await
            .map_err(|err| format!("SHOW GRANTS FOR {template}: {err}"))?;
            for row in rows {
                let Some(grant) = replay_grant(&row, template, &account) else {
                    continue;
                };
                sqlx::Executor::execute(&mut *conn, grant.as_str())
                    .await
                    .map_err(|err| format!("copying a grant of {template} to {user}: {err}"))?;
            }
        }
        if existing.is_some() {
            let sql = Zeroizing::new(format!(
                "SET PASSWORD FOR {account} = {}",
                *session.password_value(password)
            ));
            mysql_execute(conn, &sql, &format!("SET PASSWORD FOR {user}"), password).await?;
        }
        Ok(())
    })
}

/// The host part of `user`'s account: `%` when it has one there, else its only host; `None` when the user
/// does not exist. A user with several hosts and none of them `%` is ambiguous and refused.
fn mysql_host<'a>(conn: &'a mut MySqlConnection, user: &'a str) -> DbFuture<'a, Option<String>> {
    Box::pin(async move {
        let hosts: Vec<String> =
            sqlx::query_scalar("SELECT CAST(Host AS CHAR) FROM mysql.user WHERE User = ?")
                .bind(user)
                .fetch_all(&mut *conn)
                .await
                .map_err(|err| format!("looking up user {user}: {err}"))?;
        match hosts.as_slice() {
            [] => Ok(None),
            [only] => Ok(Some(only.clone())),
            many if many.iter().any(|h| h == "%") => Ok(Some("%".to_owned())),
            many => Err(format!(
                "user {user} exists for several hosts ({}) and none is %; rotate one account per secret",
                many.join(", ")
            )),
        }
    })
}

/// A row of `SHOW GRANTS FOR template` given to `account` instead: `GRANT … TO <account>`, keeping `WITH
/// GRANT OPTION` / `WITH ADMIN OPTION`, dropping what follows the account otherwise (MariaDB's `IDENTIFIED
/// BY PASSWORD` on the `USAGE` row, `REQUIRE …`, resource limits). `None` for rows not to replay: the
/// `USAGE ON *.*` row (no privilege), `PROXY` grants, and `XA_RECOVER_ADMIN` (which AWS's template skips
/// too), and anything not naming the template.
pub fn replay_grant(row: &str, template: &str, account: &str) -> Option<String> {
    if !row.starts_with("GRANT ")
        || row.starts_with("GRANT PROXY ")
        || row.starts_with("GRANT USAGE ON *.* TO ")
        || row.contains("XA_RECOVER_ADMIN")
    {
        return None;
    }
    let (at, quoted_len) = [
        format!(" TO `{template}`@"),
        format!(" TO '{template}'@"),
        format!(" TO {template}@"),
    ]
    .iter()
    .filter_map(|needle| row.rfind(needle.as_str()).map(|at| (at, needle.len())))
    .max_by_key(|(at, _)| *at)?;
    let rest = &row[at + quoted_len..];
    let mut replayed = format!("{} TO {account}", &row[..at]);
    for option in [" WITH GRANT OPTION", " WITH ADMIN OPTION"] {
        if rest.contains(option) {
            replayed.push_str(option);
        }
    }
    Some(replayed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_names_are_checked() {
        for good in ["app", "app_clone", "svc-1.read$", "A"] {
            assert!(check_username(DatabaseEngine::Postgres, good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "a\"b",
            "a'b",
            "a`b",
            "a b",
            "a;drop role x",
            "a@b",
            "a\\b",
            "a\0",
            "é",
            &"x".repeat(64),
        ] {
            assert!(check_username(DatabaseEngine::Postgres, bad).is_err(), "{bad:?}");
        }
        assert!(check_username(DatabaseEngine::Mysql, &"x".repeat(80)).is_ok());
        assert!(check_username(DatabaseEngine::Mysql, &"x".repeat(81)).is_err());
    }

    #[test]
    fn literals_escape_quotes_and_backslashes() {
        assert_eq!(pg_literal(r"a'b\c").as_str(), r"E'a''b\\c'");
        assert_eq!(mysql_literal(r"a'b\c", false).as_str(), r"'a''b\\c'");
        assert_eq!(mysql_literal(r"a'b\c", true).as_str(), r"'a''b\c'");
        assert_eq!(pg_ident("app"), "\"app\"");
    }

    #[test]
    fn password_syntax_follows_the_server() {
        assert!(mysql_wants_password_function("10.11.19-MariaDB-0+deb12u1"));
        assert!(mysql_wants_password_function("5.6.51-log"));
        assert!(mysql_wants_password_function("5.7.5"));
        assert!(!mysql_wants_password_function("5.7.44"));
        assert!(!mysql_wants_password_function("8.0.36"));
    }

    #[test]
    fn grants_are_replayed_to_the_clone() {
        let to = "'app_clone'@'%'";
        assert_eq!(
            replay_grant("GRANT SELECT, INSERT ON `db`.* TO `app`@`%`", "app", to).as_deref(),
            Some("GRANT SELECT, INSERT ON `db`.* TO 'app_clone'@'%'")
        );
        assert_eq!(
            replay_grant(
                "GRANT ALL PRIVILEGES ON `db`.* TO 'app'@'%' WITH GRANT OPTION",
                "app",
                to
            )
            .as_deref(),
            Some("GRANT ALL PRIVILEGES ON `db`.* TO 'app_clone'@'%' WITH GRANT OPTION")
        );
        assert_eq!(
            replay_grant("GRANT `reader` TO `app`@`%`", "app", to).as_deref(),
            Some("GRANT `reader` TO 'app_clone'@'%'")
        );
        // A database named like the grammar does not fool it: the last `TO <template>@` is the account.
        assert_eq!(
            replay_grant("GRANT SELECT ON `x TO y`.* TO `app`@`%`", "app", to).as_deref(),
            Some("GRANT SELECT ON `x TO y`.* TO 'app_clone'@'%'")
        );
        for skipped in [
            "GRANT USAGE ON *.* TO `app`@`%` IDENTIFIED BY PASSWORD '*ABC'",
            "GRANT PROXY ON ''@'%' TO 'root'@'localhost' WITH GRANT OPTION",
            "GRANT XA_RECOVER_ADMIN ON *.* TO `app`@`%`",
            "GRANT SELECT ON `db`.* TO `other`@`%`",
        ] {
            assert_eq!(replay_grant(skipped, "app", to), None, "{skipped}");
        }
    }
}
