//! The rotators built into Strongroom. Each runs the four steps as an AWS rotation function would, through
//! the same authorized operations, acting as the function's execution role; each step is idempotent, so
//! running it again after a crash changes nothing twice.
//!
//! - `random-password`: a new GetRandomPassword-style password (the `password` field of a JSON value, or
//!   the whole value);
//! - `iam-access-keys`: the secret holds an IAM user's key pair (`UserName`, `AccessKeyId`,
//!   `SecretAccessKey`); createSecret makes a new key (deleting the user's other key first when it has two),
//!   testSecret authenticates a request signed with it, finishSecret moves AWSCURRENT and deactivates the
//!   previous key, which the next rotation deletes.
//!
//! The database rotators (`postgresql-*`, `mysql-*`) keep their secret logic here too and reach the database
//! through [`DatabaseAdmin`], which the server implements.

use serde_json::Value;
use strongroom_crypto::random::PasswordRules;
use strongroom_crypto::{ExposeSecret, SecretString};
use strongroom_store::rotation::RotationStep;
use zeroize::Zeroizing;

use super::identity::{self, Credentials};
use crate::caller::Caller;
use crate::secrets::{SecretPayload, SecretsError};
use crate::{Services, iam::IamError};

const AWSCURRENT: &str = "AWSCURRENT";
const AWSPENDING: &str = "AWSPENDING";
const AWSPREVIOUS: &str = "AWSPREVIOUS";

/// A built-in rotator, by its registered name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rotator {
    RandomPassword,
    IamAccessKeys,
    PostgresSingleUser,
    PostgresAlternatingUsers,
    MysqlSingleUser,
    MysqlAlternatingUsers,
}

impl Rotator {
    pub const ALL: [Rotator; 6] = [
        Self::RandomPassword,
        Self::IamAccessKeys,
        Self::PostgresSingleUser,
        Self::PostgresAlternatingUsers,
        Self::MysqlSingleUser,
        Self::MysqlAlternatingUsers,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::RandomPassword => "random-password",
            Self::IamAccessKeys => "iam-access-keys",
            Self::PostgresSingleUser => "postgresql-single-user",
            Self::PostgresAlternatingUsers => "postgresql-alternating-users",
            Self::MysqlSingleUser => "mysql-single-user",
            Self::MysqlAlternatingUsers => "mysql-alternating-users",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == text)
    }

    /// Whether the rotator does anything at `step`; the engine skips the steps it does not act at.
    pub fn acts_at(self, step: RotationStep) -> bool {
        !matches!(
            (self, step),
            (
                Self::RandomPassword,
                RotationStep::SetSecret | RotationStep::TestSecret
            ) | (Self::IamAccessKeys, RotationStep::SetSecret)
        )
    }
}

/// A database engine the database rotators speak to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatabaseEngine {
    Postgres,
    Mysql,
}

/// Where and as whom to connect; the password is a secret (redacted in `Debug`).
#[derive(Debug)]
pub struct DatabaseLogin<'a> {
    pub engine: DatabaseEngine,
    pub host: &'a str,
    pub port: u16,
    pub dbname: Option<&'a str>,
    pub username: &'a str,
    pub password: &'a SecretString,
}

/// Database operations for the database rotators; implemented by the server (the service layer names no
/// database driver).
#[async_trait::async_trait]
pub trait DatabaseAdmin: Send + Sync {
    /// Logs in as `login` and disconnects.
    async fn check_login(&self, login: &DatabaseLogin<'_>) -> Result<(), String>;
    /// Logs in as `admin` and sets `user`'s password, creating the user when it does not exist. A new user
    /// gets `copy_grants_from`'s privileges (PostgreSQL: membership in that role; MySQL: its grants, which
    /// are replayed on every call, as AWS's template does). Idempotent.
    async fn set_password(
        &self,
        admin: &DatabaseLogin<'_>,
        user: &str,
        password: &SecretString,
        copy_grants_from: Option<&str>,
    ) -> Result<(), String>;
}

/// What a built-in step needs: the services, the execution role's caller, the secret and the token.
pub struct StepContext<'a> {
    pub services: &'a Services,
    pub role: &'a Caller,
    pub secret_arn: &'a str,
    pub token: &'a str,
    pub database: Option<&'a dyn DatabaseAdmin>,
}

impl std::fmt::Debug for StepContext<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StepContext")
            .field("secret_arn", &self.secret_arn)
            .field("token", &self.token)
            .finish_non_exhaustive()
    }
}

type StepResult = Result<(), String>;

/// Runs one step of `rotator`.
pub async fn run(rotator: Rotator, step: RotationStep, cx: &StepContext<'_>) -> StepResult {
    if !rotator.acts_at(step) {
        return Ok(());
    }
    match (rotator, step) {
        (Rotator::RandomPassword, RotationStep::CreateSecret) => create_pending(cx, with_new_password).await,
        (Rotator::IamAccessKeys, RotationStep::CreateSecret) => create_access_key(cx).await,
        (Rotator::IamAccessKeys, RotationStep::TestSecret) => test_access_key(cx).await,
        (Rotator::IamAccessKeys, RotationStep::FinishSecret) => {
            move_current(cx).await?;
            deactivate_previous_key(cx).await
        }
        (Rotator::PostgresSingleUser | Rotator::MysqlSingleUser, RotationStep::CreateSecret) => {
            create_pending(cx, with_new_database_password).await
        }
        (Rotator::PostgresAlternatingUsers | Rotator::MysqlAlternatingUsers, RotationStep::CreateSecret) => {
            let max_len = max_username_len(rotator_engine(rotator));
            create_pending(cx, |current| alternate_user(current, max_len)).await
        }
        (
            Rotator::PostgresSingleUser
            | Rotator::MysqlSingleUser
            | Rotator::PostgresAlternatingUsers
            | Rotator::MysqlAlternatingUsers,
            RotationStep::SetSecret,
        ) => set_database_password(cx, rotator).await,
        (
            Rotator::PostgresSingleUser
            | Rotator::MysqlSingleUser
            | Rotator::PostgresAlternatingUsers
            | Rotator::MysqlAlternatingUsers,
            RotationStep::TestSecret,
        ) => test_database_login(cx, rotator).await,
        (_, RotationStep::FinishSecret) => move_current(cx).await,
        (_, RotationStep::SetSecret | RotationStep::TestSecret) => Ok(()),
    }
}

fn secrets_error(context: &str) -> impl Fn(SecretsError) -> String + '_ {
    move |err| format!("{context}: {err}")
}

fn iam_error(context: &str) -> impl Fn(IamError) -> String + '_ {
    move |err| format!("{context}: {err}")
}

/// The value of the version holding `stage` (and `version_id` when given), as a string.
async fn read_string(
    cx: &StepContext<'_>,
    version_id: Option<&str>,
    stage: &str,
) -> Result<SecretString, String> {
    let value = cx
        .services
        .secrets
        .get_secret_value(
            &cx.services.authz,
            cx.role,
            cx.secret_arn,
            version_id,
            Some(stage),
        )
        .await
        .map_err(secrets_error("reading the secret"))?;
    match value.payload {
        SecretPayload::String(text) => Ok(text),
        SecretPayload::Binary(_) => Err(format!(
            "the {stage} value is binary; this rotator needs a string"
        )),
    }
}

/// Whether the pending version already has its value (createSecret ran).
async fn pending_has_value(cx: &StepContext<'_>) -> Result<bool, String> {
    match cx
        .services
        .secrets
        .get_secret_value(
            &cx.services.authz,
            cx.role,
            cx.secret_arn,
            Some(cx.token),
            Some(AWSPENDING),
        )
        .await
    {
        Ok(_) => Ok(true),
        Err(SecretsError::NotFound(_)) => Ok(false),
        Err(err) => Err(secrets_error("reading the pending version")(err)),
    }
}

/// createSecret: unless the pending version has a value, computes one from AWSCURRENT's and puts it.
async fn create_pending(
    cx: &StepContext<'_>,
    make: impl FnOnce(&SecretString) -> Result<SecretString, String>,
) -> StepResult {
    if pending_has_value(cx).await? {
        return Ok(());
    }
    let current = read_string(cx, None, AWSCURRENT).await?;
    let next = make(&current)?;
    put_pending(cx, next).await
}

async fn put_pending(cx: &StepContext<'_>, value: SecretString) -> StepResult {
    let written = cx
        .services
        .secrets
        .put_secret_value(
            &cx.services.authz,
            cx.role,
            cx.secret_arn,
            Some(cx.token.to_owned()),
            Some(SecretPayload::String(value)),
            Some(vec![AWSPENDING.to_owned()]),
        )
        .await
        .map_err(secrets_error("writing the pending version"))?;
    deprecated(cx, &written.deprecated_versions).await;
    Ok(())
}

/// Tells the notification subscriptions about the versions a step deprecated.
async fn deprecated(cx: &StepContext<'_>, versions: &[String]) {
    for version in versions {
        super::events::secret_changed(
            cx.services,
            cx.role,
            super::events::EventName::SecretVersionDeprecated,
            cx.secret_arn,
            Some(version),
        )
        .await;
    }
}

fn new_password() -> Result<SecretString, String> {
    // Like AWS's templates: no quotes, slashes, backslashes or at signs, which break connection strings.
    let rules = PasswordRules {
        exclude_characters: "\"'/\\@`".to_owned(),
        ..PasswordRules::default()
    };
    strongroom_crypto::random::password(&rules).map_err(|err| format!("generating a password: {err}"))
}

/// The secret's JSON object, when it is one.
fn json_object(value: &SecretString) -> Option<serde_json::Map<String, Value>> {
    match serde_json::from_str::<Value>(value.expose_secret()) {
        Ok(Value::Object(map)) => Some(map),
        _ => None,
    }
}

fn to_secret(map: serde_json::Map<String, Value>) -> SecretString {
    let text = Zeroizing::new(Value::Object(map).to_string());
    SecretString::from(text.as_str())
}

/// AWSCURRENT with a new password: the `password` field of a JSON object, or the whole value.
fn with_new_password(current: &SecretString) -> Result<SecretString, String> {
    let password = new_password()?;
    Ok(match json_object(current) {
        Some(mut map) if map.contains_key("password") => {
            map.insert("password".to_owned(), Value::from(password.expose_secret()));
            to_secret(map)
        }
        _ => password,
    })
}

/// A database secret with a new password; the value must be a JSON object with `username` and `password`.
fn with_new_database_password(current: &SecretString) -> Result<SecretString, String> {
    let map = json_object(current).ok_or("the secret is not a JSON object")?;
    for key in ["username", "password"] {
        if !map.get(key).is_some_and(Value::is_string) {
            return Err(format!("the secret has no {key}"));
        }
    }
    with_new_password(current)
}

/// The longest user name of each engine (PostgreSQL's `NAMEDATALEN - 1`; MySQL's 32, which AWS's template
/// checks too).
fn max_username_len(engine: DatabaseEngine) -> usize {
    match engine {
        DatabaseEngine::Postgres => 63,
        DatabaseEngine::Mysql => 32,
    }
}

/// The alternating-users strategy: the other of `name` and `name_clone`, with a new password.
fn alternate_user(current: &SecretString, max_len: usize) -> Result<SecretString, String> {
    let mut map = json_object(current).ok_or("the secret is not a JSON object")?;
    let username = map
        .get("username")
        .and_then(Value::as_str)
        .ok_or("the secret has no username")?
        .to_owned();
    let other = match username.strip_suffix("_clone") {
        Some(base) => base.to_owned(),
        None => format!("{username}_clone"),
    };
    if other.len() > max_len {
        return Err(format!(
            "cannot clone user {username}: with _clone appended its name would exceed {max_len} characters"
        ));
    }
    map.insert("username".to_owned(), Value::from(other));
    map.insert(
        "password".to_owned(),
        Value::from(new_password()?.expose_secret()),
    );
    Ok(to_secret(map))
}

/// finishSecret: AWSCURRENT moves to the token (the old version becomes AWSPREVIOUS), unless it is there.
async fn move_current(cx: &StepContext<'_>) -> StepResult {
    let record = cx
        .services
        .secrets
        .describe_secret(&cx.services.authz, cx.role, cx.secret_arn)
        .await
        .map_err(secrets_error("describing the secret"))?;
    let current = record
        .versions
        .iter()
        .find(|v| v.stages.iter().any(|s| s == AWSCURRENT))
        .map(|v| v.version_id.clone());
    if current.as_deref() == Some(cx.token) {
        return Ok(());
    }
    let update = cx
        .services
        .secrets
        .update_secret_version_stage(
            &cx.services.authz,
            cx.role,
            cx.secret_arn,
            AWSCURRENT,
            current.as_deref(),
            Some(cx.token),
        )
        .await
        .map_err(secrets_error("moving AWSCURRENT"))?;
    deprecated(cx, &update.deprecated_versions).await;
    Ok(())
}

/// An IAM user's key pair as the secret holds it.
struct KeyPair {
    user_name: String,
    access_key_id: String,
    secret_access_key: SecretString,
    others: serde_json::Map<String, Value>,
}

fn key_pair(value: &SecretString) -> Result<KeyPair, String> {
    let mut map = json_object(value).ok_or("the secret is not a JSON object")?;
    let mut take = |key: &str| match map.remove(key) {
        Some(Value::String(text)) => Ok(text),
        _ => Err(format!("the secret has no {key}")),
    };
    let user_name = take("UserName")?;
    let access_key_id = take("AccessKeyId")?;
    let secret = Zeroizing::new(take("SecretAccessKey")?);
    Ok(KeyPair {
        user_name,
        access_key_id,
        secret_access_key: SecretString::from(secret.as_str()),
        others: map,
    })
}

fn key_pair_value(pair: &KeyPair) -> SecretString {
    let mut map = pair.others.clone();
    map.insert("UserName".to_owned(), Value::from(pair.user_name.as_str()));
    map.insert("AccessKeyId".to_owned(), Value::from(pair.access_key_id.as_str()));
    map.insert(
        "SecretAccessKey".to_owned(),
        Value::from(pair.secret_access_key.expose_secret()),
    );
    to_secret(map)
}

/// createSecret for IAM keys: a new key for the user, after deleting its other key when it has two.
async fn create_access_key(cx: &StepContext<'_>) -> StepResult {
    if pending_has_value(cx).await? {
        return Ok(());
    }
    let current = key_pair(&read_string(cx, None, AWSCURRENT).await?)?;
    let iam = &cx.services.iam;
    let authz = &cx.services.authz;
    let (_, keys) = iam
        .list_access_keys(authz, cx.role, Some(&current.user_name))
        .await
        .map_err(iam_error("listing the user's access keys"))?;
    if keys.len() >= 2 {
        // The key that is not in use: the previous rotation's deactivated key, or a key a crashed
        // createSecret made and never stored.
        if let Some(spare) = keys
            .iter()
            .find(|k| k.access_key_id.as_str() != current.access_key_id)
        {
            iam.delete_access_key(
                authz,
                cx.role,
                Some(&current.user_name),
                spare.access_key_id.as_str(),
            )
            .await
            .map_err(iam_error("deleting the user's spare access key"))?;
        }
    }
    let created = iam
        .create_access_key(authz, cx.role, Some(&current.user_name))
        .await
        .map_err(iam_error("creating an access key"))?;
    let pending = KeyPair {
        user_name: current.user_name.clone(),
        access_key_id: created.record.access_key_id.to_string(),
        secret_access_key: created.secret_access_key,
        others: current.others.clone(),
    };
    put_pending(cx, key_pair_value(&pending)).await
}

/// testSecret for IAM keys: a request signed with the pending key authenticates as the user.
async fn test_access_key(cx: &StepContext<'_>) -> StepResult {
    let pending = key_pair(&read_string(cx, Some(cx.token), AWSPENDING).await?)?;
    let region = cx.role.region().to_string();
    let caller = identity::authenticate(
        cx.services,
        &Credentials {
            access_key_id: &pending.access_key_id,
            secret_access_key: &pending.secret_access_key,
            session_token: None,
        },
        &region,
    )
    .await
    .map_err(|err| format!("the new access key does not authenticate: {err}"))?;
    let identity = cx.services.sts.get_caller_identity(&caller);
    if !identity.arn.ends_with(&format!("/{}", pending.user_name)) {
        return Err(format!(
            "the new access key authenticates as {}, not as user {}",
            identity.arn, pending.user_name
        ));
    }
    Ok(())
}

/// After finishSecret: the key of AWSPREVIOUS is deactivated (deleted by the next rotation).
async fn deactivate_previous_key(cx: &StepContext<'_>) -> StepResult {
    let previous = match read_string(cx, None, AWSPREVIOUS).await {
        Ok(value) => key_pair(&value)?,
        Err(_) => return Ok(()),
    };
    let current = key_pair(&read_string(cx, None, AWSCURRENT).await?)?;
    if previous.access_key_id == current.access_key_id {
        return Ok(());
    }
    match cx
        .services
        .iam
        .update_access_key(
            &cx.services.authz,
            cx.role,
            Some(&previous.user_name),
            &previous.access_key_id,
            "Inactive",
        )
        .await
    {
        Ok(_) | Err(IamError::NoSuchEntity { .. }) => Ok(()),
        Err(err) => Err(iam_error("deactivating the previous access key")(err)),
    }
}

/// A database secret as AWS's rotation templates shape it.
struct DatabaseSecret {
    map: serde_json::Map<String, Value>,
}

impl DatabaseSecret {
    fn parse(value: &SecretString) -> Result<Self, String> {
        Ok(Self {
            map: json_object(value).ok_or("the secret is not a JSON object")?,
        })
    }

    fn text(&self, key: &str) -> Result<&str, String> {
        self.map
            .get(key)
            .and_then(Value::as_str)
            .ok_or_else(|| format!("the secret has no {key}"))
    }

    fn port(&self, engine: DatabaseEngine) -> u16 {
        let default = match engine {
            DatabaseEngine::Postgres => 5432,
            DatabaseEngine::Mysql => 3306,
        };
        match self.map.get("port") {
            Some(Value::Number(n)) => n.as_u64().and_then(|p| u16::try_from(p).ok()).unwrap_or(default),
            Some(Value::String(s)) => s.parse().unwrap_or(default),
            _ => default,
        }
    }

    fn password(&self) -> Result<SecretString, String> {
        Ok(SecretString::from(self.text("password")?))
    }

    fn engine(&self, rotator: Rotator) -> DatabaseEngine {
        rotator_engine(rotator)
    }
}

fn rotator_engine(rotator: Rotator) -> DatabaseEngine {
    match rotator {
        Rotator::MysqlSingleUser | Rotator::MysqlAlternatingUsers => DatabaseEngine::Mysql,
        _ => DatabaseEngine::Postgres,
    }
}

fn login<'a>(
    secret: &'a DatabaseSecret,
    engine: DatabaseEngine,
    password: &'a SecretString,
) -> Result<DatabaseLogin<'a>, String> {
    Ok(DatabaseLogin {
        engine,
        host: secret.text("host")?,
        port: secret.port(engine),
        dbname: secret.map.get("dbname").and_then(Value::as_str),
        username: secret.text("username")?,
        password,
    })
}

/// setSecret, as AWS's templates do it, except that the password is always set rather than skipped when the
/// pending password already logs in (a server that trusts its clients lets any password log in; setting the
/// same password again changes nothing). Single user: the user logs in with AWSCURRENT's password, else
/// AWSPENDING's (setSecret ran before), else AWSPREVIOUS's, and changes its own password; every version must
/// name the pending user on the pending host, so a secret never changes another user's password.
async fn set_database_password(cx: &StepContext<'_>, rotator: Rotator) -> StepResult {
    let database = cx
        .database
        .ok_or("database rotation is not available on this server")?;
    let pending_value = read_string(cx, Some(cx.token), AWSPENDING).await?;
    let pending = DatabaseSecret::parse(&pending_value)?;
    let engine = pending.engine(rotator);
    let new_password = pending.password()?;
    if matches!(
        rotator,
        Rotator::PostgresAlternatingUsers | Rotator::MysqlAlternatingUsers
    ) {
        return set_alternating_password(cx, database, &pending, engine, &new_password).await;
    }
    let user = pending.text("username")?;
    let host = pending.text("host")?;
    let mut last_error = String::from("no known password logs in");
    for stage in [AWSCURRENT, AWSPENDING, AWSPREVIOUS] {
        let value = match stage {
            AWSPENDING => SecretString::from(pending_value.expose_secret()),
            _ => match read_string(cx, None, stage).await {
                Ok(value) => value,
                Err(_) if stage == AWSPREVIOUS => continue,
                Err(err) => return Err(err),
            },
        };
        let known = DatabaseSecret::parse(&value)?;
        if known.text("username")? != user {
            return Err(format!(
                "the {stage} and AWSPENDING versions name different users; a single-user rotation changes \
                 only its own user's password"
            ));
        }
        if known.text("host")? != host {
            return Err(format!(
                "the {stage} and AWSPENDING versions name different hosts"
            ));
        }
        let password = known.password()?;
        let admin = login(&known, engine, &password)?;
        match database.set_password(&admin, user, &new_password, None).await {
            Ok(()) => return Ok(()),
            Err(err) => last_error = format!("with the {stage} password: {err}"),
        }
    }
    Err(last_error)
}

/// setSecret for alternating users: AWSCURRENT must still log in; then the master secret (AWSCURRENT's
/// `masterarn`, on the same host) creates the pending user with the current user's privileges, or sets its
/// password when it exists. The master logs in to the current secret's database, as AWS's templates do.
async fn set_alternating_password(
    cx: &StepContext<'_>,
    database: &dyn DatabaseAdmin,
    pending: &DatabaseSecret,
    engine: DatabaseEngine,
    new_password: &SecretString,
) -> StepResult {
    let current = DatabaseSecret::parse(&read_string(cx, None, AWSCURRENT).await?)?;
    let current_password = current.password()?;
    database
        .check_login(&login(&current, engine, &current_password)?)
        .await
        .map_err(|err| format!("the AWSCURRENT credentials do not log in: {err}"))?;
    let master_arn = current.text("masterarn")?;
    let master_value = cx
        .services
        .secrets
        .get_secret_value(&cx.services.authz, cx.role, master_arn, None, Some(AWSCURRENT))
        .await
        .map_err(secrets_error("reading the master secret"))?;
    let SecretPayload::String(master_text) = master_value.payload else {
        return Err("the master secret is binary".to_owned());
    };
    let master = DatabaseSecret::parse(&master_text)?;
    let host = current.text("host")?;
    if master.text("host")? != host || pending.text("host")? != host {
        return Err(format!(
            "the master secret's host is not the secret's host {host}; the master changes users on its own \
             server only"
        ));
    }
    let master_password = master.password()?;
    let mut admin = login(&master, engine, &master_password)?;
    admin.port = current.port(engine);
    admin.dbname = current.map.get("dbname").and_then(Value::as_str);
    let user = pending.text("username")?;
    let template = current.text("username")?;
    if user == template {
        return Err("the pending version names the current user; alternating users swap users".to_owned());
    }
    database
        .set_password(&admin, user, new_password, Some(template))
        .await
}

/// testSecret: the pending credentials log in.
async fn test_database_login(cx: &StepContext<'_>, rotator: Rotator) -> StepResult {
    let database = cx
        .database
        .ok_or("database rotation is not available on this server")?;
    let pending = DatabaseSecret::parse(&read_string(cx, Some(cx.token), AWSPENDING).await?)?;
    let engine = pending.engine(rotator);
    let password = pending.password()?;
    database.check_login(&login(&pending, engine, &password)?).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_json_value_keeps_its_fields_and_gets_a_new_password() {
        let current = SecretString::from(r#"{"username":"app","password":"old","host":"db"}"#);
        let next = with_new_password(&current).unwrap();
        let map = json_object(&next).unwrap();
        assert_eq!(map["username"], "app");
        assert_eq!(map["host"], "db");
        let password = map["password"].as_str().unwrap();
        assert_eq!(password.len(), 32);
        assert_ne!(password, "old");
        assert!(!password.contains(['"', '\'', '/', '\\', '@', '`']));
    }

    #[test]
    fn a_plain_value_is_replaced_whole() {
        let next = with_new_password(&SecretString::from("hunter2")).unwrap();
        assert_eq!(next.expose_secret().len(), 32);
    }

    #[test]
    fn alternating_users_flip_the_clone_suffix() {
        let first = alternate_user(&SecretString::from(r#"{"username":"app","password":"x"}"#), 63).unwrap();
        assert_eq!(json_object(&first).unwrap()["username"], "app_clone");
        let second = alternate_user(&first, 63).unwrap();
        assert_eq!(json_object(&second).unwrap()["username"], "app");
        let long = format!(r#"{{"username":"{}","password":"x"}}"#, "u".repeat(27));
        let err = alternate_user(&SecretString::from(long.as_str()), 32).unwrap_err();
        assert!(err.contains("exceed 32"), "{err}");
    }

    #[test]
    fn key_pairs_round_trip_with_their_other_fields() {
        let value = SecretString::from(
            r#"{"UserName":"svc","AccessKeyId":"AKIA1","SecretAccessKey":"s3cr3t","note":"kept"}"#,
        );
        let pair = key_pair(&value).unwrap();
        assert_eq!(pair.user_name, "svc");
        let again = key_pair(&key_pair_value(&pair)).unwrap();
        assert_eq!(again.access_key_id, "AKIA1");
        assert_eq!(again.secret_access_key.expose_secret(), "s3cr3t");
        assert_eq!(again.others["note"], "kept");
        assert!(key_pair(&SecretString::from(r#"{"UserName":"svc"}"#)).is_err());
    }

    #[test]
    fn rotator_names_round_trip() {
        for rotator in Rotator::ALL {
            assert_eq!(Rotator::parse(rotator.as_str()), Some(rotator));
        }
        assert_eq!(Rotator::parse("nope"), None);
    }
}
